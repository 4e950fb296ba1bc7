// The base URL a client reached the gateway at, for links and catalogs in compatibility APIs
// (Keystone's catalog, Trove's links): HOARD_PUBLIC_URL when configured (behind a proxy or TLS),
// otherwise http://<Host header> when it is a plain host[:port], else the socket's own address.
import type { NodeServerRequest } from "./rest/index.js";

const plainHost = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** No trailing slash. */
export function publicBaseUrl(req: NodeServerRequest, configured: string | undefined): string {
  if (configured) return configured.replace(/\/+$/, "");
  const raw = req.headers.host ?? req.headers[":authority"];
  const host = Array.isArray(raw) ? raw[0] : raw;
  if (host && plainHost.test(host)) return `http://${host}`;
  const address = req.socket.localAddress ?? "127.0.0.1";
  return `http://${address.includes(":") ? `[${address}]` : address}:${req.socket.localPort ?? ""}`;
}
