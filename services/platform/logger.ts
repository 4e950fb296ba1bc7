// One pino root logger per process. Secrets are redacted here, once, so no call site can leak
// a password or token by logging a request or a payload.
import { pino, type Logger } from "pino";

export type { Logger };

/** Paths pino blanks out wherever they appear in a logged object (two levels of nesting). */
const redactPaths = [
  "password",
  "adminPassword",
  "token",
  "authorization",
  "secret",
  "*.password",
  "*.adminPassword",
  "*.token",
  "*.authorization",
  "*.secret",
  "*.*.password",
  "*.*.adminPassword",
  "users[*].password",
  "*.users[*].password",
];

/** Creates the process's root logger; components take `logger.child({ component })`. */
export function createLogger(process: string, level = globalThis.process.env.HOARD_LOG_LEVEL ?? "info"): Logger {
  return pino({
    level,
    base: { process, pid: globalThis.process.pid },
    redact: { paths: redactPaths, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
