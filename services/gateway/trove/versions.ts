// Trove's version documents: GET / lists the API versions, GET /v1.0/ describes v1.0. They need
// no token, as in Trove (clients read them before authenticating).
const updated = "2012-08-01T00:00:00Z";

function version(root: string) {
  return { id: "v1.0", status: "CURRENT", updated, links: [{ rel: "self", href: `${root}/v1.0/` }] };
}

export function versionsDocument(root: string): unknown {
  return { versions: [version(root)] };
}

export function versionDocument(root: string): unknown {
  return { version: version(root) };
}
