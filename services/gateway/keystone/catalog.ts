// The service catalog in every token: where identity is (this endpoint, versioned, so clients
// never need "/" for discovery) and where the token's project reaches the Trove v1.0 API. The
// Trove client takes the catalog URL as is, so it already holds the version and the project.
import { createHash } from "node:crypto";

const interfaces = ["public", "internal", "admin"] as const;

/** A stable id for a catalog entry or endpoint (Keystone's are UUIDs stored in its database). */
function stableId(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 32);
}

function service(type: string, name: string, region: string, url: string) {
  return {
    id: stableId(type, name),
    type,
    name,
    endpoints: interfaces.map((iface) => ({ id: stableId(type, name, iface, region), interface: iface, region, region_id: region, url })),
  };
}

/** The catalog for a token of `projectId`, with URLs under `baseUrl` (no trailing slash). */
export function catalogFor(baseUrl: string, projectId: string, region: string) {
  return [service("identity", "keystone", region, `${baseUrl}/v3`), service("database", "trove", region, `${baseUrl}/v1.0/${projectId}`)];
}
