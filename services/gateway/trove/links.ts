// Trove's resource links: every resource carries {"rel": "self"} (with the API version) and
// {"rel": "bookmark"} (without it), built from the host the client called.
export interface Link {
  rel: string;
  href: string;
}

/** Link builders for one request. */
export interface Links {
  /** The API root the client called, e.g. "http://127.0.0.1:8779". */
  readonly root: string;
  /** self and bookmark links of /{collection}/{id} in the caller's project. */
  resource(collection: string, id: string): Link[];
  /** Absolute URL of a path under /v1.0/{project_id}, e.g. "/instances?limit=2". */
  url(path: string): string;
}

export function createLinks(root: string, projectId: string): Links {
  const project = encodeURIComponent(projectId);
  return {
    root,
    resource(collection, id) {
      const tail = `${project}/${collection}/${encodeURIComponent(id)}`;
      return [
        { rel: "self", href: `${root}/v1.0/${tail}` },
        { rel: "bookmark", href: `${root}/${tail}` },
      ];
    },
    url(path) {
      return `${root}/v1.0/${project}${path}`;
    },
  };
}
