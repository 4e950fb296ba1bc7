// GET /v3: Keystone's version document. keystoneauth's generic "password" plugin reads it to learn
// that this URL speaks identity v3 (reference/trove-api.md, section 7).

/** The v3 API version Hoard's subset follows (token routes only). */
const version = "v3.14";
const updated = "2020-04-07T00:00:00Z";

export function versionDocument(identityUrl: string) {
  return {
    version: {
      id: version,
      status: "stable",
      updated,
      links: [{ rel: "self", href: `${identityUrl}/` }],
      "media-types": [{ base: "application/json", type: "application/vnd.openstack.identity-v3+json" }],
    },
  };
}
