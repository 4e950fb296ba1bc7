// The layout checks every engine makes before its server could reject the same layout later with a
// vaguer message. Engine-specific ones (characters a config file cannot hold, listen addresses)
// stay with each engine's paths.ts.
import { DatastoreSpecError } from "../errors.js";

/** sun_path holds 108 bytes including the NUL; servers and clients refuse longer unix socket paths. */
export const MAX_SOCKET_PATH_BYTES = 107;

/** Fails when `socketPath` is over the sun_path limit. */
export function checkSocketPath(socketPath: string): void {
  const bytes = Buffer.byteLength(socketPath);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new DatastoreSpecError(
      `unix socket path ${socketPath} is ${bytes} bytes, over the ${MAX_SOCKET_PATH_BYTES}-byte limit: use a shorter runDir`,
    );
  }
}

/**
 * Fails on the first of `dirs` (layout field name to path) that is relative or matches `forbidden`;
 * the message says the field "contains `what`".
 */
export function checkLayoutDirs(dirs: Record<string, string>, forbidden: RegExp, what: string): void {
  for (const [field, dir] of Object.entries(dirs)) {
    if (!dir.startsWith("/")) throw new DatastoreSpecError(`layout.${field} must be an absolute path`);
    if (forbidden.test(dir)) throw new DatastoreSpecError(`layout.${field} contains ${what}`);
  }
}

/** Fails when `port` is not a TCP port number. */
export function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new DatastoreSpecError(`layout.port ${port} is not a TCP port`);
  }
}
