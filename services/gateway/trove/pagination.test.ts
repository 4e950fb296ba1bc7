import { describe, expect, it } from "vitest";
import { TroveFault } from "./faults.js";
import { defaultPageSize, listBody, paginate } from "./pagination.js";

const items = Array.from({ length: 25 }, (_, i) => ({ id: `id-${i}` }));
const url = "http://h/v1.0/p/instances";
const q = (s: string) => new URLSearchParams(s);

describe("Trove pagination", () => {
  it("pages by Trove's default size and links the next page by marker", () => {
    const { page, links } = paginate(items, (i) => i.id, q(""), url);
    expect(page).toHaveLength(defaultPageSize);
    expect(links).toEqual([{ rel: "next", href: `${url}?limit=20&marker=id-19` }]);
  });

  it("continues after the marker; the last page has no link", () => {
    const { page, links } = paginate(items, (i) => i.id, q("limit=20&marker=id-19"), url);
    expect(page.map((i) => i.id)).toEqual(["id-20", "id-21", "id-22", "id-23", "id-24"]);
    expect(links).toEqual([]);
    expect(listBody("instances", { page, links })).toEqual({ instances: page });
  });

  it("keeps other query parameters in the next link", () => {
    const { links } = paginate(items, (i) => i.id, q("limit=2&include_clustered=False"), url);
    expect(links[0]?.href).toBe(`${url}?include_clustered=False&limit=2&marker=id-1`);
  });

  it("an exact last page has no next link", () => {
    expect(paginate(items.slice(0, 4), (i) => i.id, q("limit=2&marker=id-1"), url).links).toEqual([]);
  });

  it("refuses a bad limit or an unknown marker with 400", () => {
    expect(() => paginate(items, (i) => i.id, q("limit=0"), url)).toThrow(TroveFault);
    expect(() => paginate(items, (i) => i.id, q("limit=abc"), url)).toThrow(/limit/);
    expect(() => paginate(items, (i) => i.id, q("marker=nope"), url)).toThrow(/marker/);
  });
});
