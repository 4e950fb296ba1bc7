// Trove's list paging: ?limit=N&marker=<id of the last item seen>; when more items follow, the
// body gets "links": [{"rel": "next", "href": "...?limit=N&marker=<last id on this page>"}].
import { badRequestFault } from "./faults.js";
import type { Link } from "./links.js";

/** Trove's default page size (its *_page_size options). */
export const defaultPageSize = 20;
/** Largest page a client may ask for. */
export const maxPageSize = 1000;

/** One page of `items` (in their order) and the next link when more follow. */
export function paginate<T>(items: readonly T[], idOf: (item: T) => string, query: URLSearchParams, pageUrl: string): { page: T[]; links: Link[] } {
  const limit = parseLimit(query.get("limit"));
  const marker = query.get("marker");
  let start = 0;
  if (marker !== null && marker !== "") {
    const at = items.findIndex((item) => idOf(item) === marker);
    if (at < 0) throw badRequestFault(`marker "${marker}" is not an item of this list`);
    start = at + 1;
  }
  const page = items.slice(start, start + limit);
  const last = page.at(-1);
  if (start + limit >= items.length || last === undefined) return { page, links: [] };
  const next = new URL(pageUrl);
  for (const [k, v] of query) if (k !== "limit" && k !== "marker") next.searchParams.append(k, v);
  next.searchParams.set("limit", String(limit));
  next.searchParams.set("marker", idOf(last));
  return { page, links: [{ rel: "next", href: next.toString() }] };
}

function parseLimit(raw: string | null): number {
  if (raw === null || raw === "") return defaultPageSize;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw badRequestFault(`limit must be a positive integer, not "${raw}"`);
  return Math.min(Number(raw), maxPageSize);
}

/** A list body: {key: page} plus "links" when there is a next page. */
export function listBody(key: string, page: { page: unknown[]; links: Link[] }): Record<string, unknown> {
  return page.links.length > 0 ? { [key]: page.page, links: page.links } : { [key]: page.page };
}
