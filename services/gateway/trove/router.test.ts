import { describe, expect, it } from "vitest";
import { troveRoutes } from "./index.js";
import { matchRoute, pathSegments } from "./router.js";
import { parseUserRef } from "./users.js";

const match = (method: string, path: string) => {
  const m = matchRoute(troveRoutes, method, pathSegments(path) ?? []);
  return { path: m.route.path, params: m.params };
};

describe("Trove routes", () => {
  it("prefers literal segments listed first", () => {
    expect(match("GET", "/instances/detail").path).toBe("/instances/detail");
    expect(match("GET", "/instances/abc")).toEqual({ path: "/instances/{id}", params: { id: "abc" } });
    expect(match("GET", "/datastores/versions/v1").path).toBe("/datastores/versions/{vid}");
    expect(match("GET", "/datastores/postgresql/versions").path).toBe("/datastores/{ds}/versions");
  });

  it("decodes troveclient's quoted name@host users", () => {
    // troveclient: parse.quote("app@10.0.0.1").replace(".", "%2e")
    const m = match("GET", "/instances/i1/users/app%4010%2e0%2e0%2e1/databases");
    expect(m).toEqual({ path: "/instances/{id}/users/{user}/databases", params: { id: "i1", user: "app@10.0.0.1" } });
    expect(parseUserRef(m.params.user ?? "")).toEqual({ name: "app", host: "10.0.0.1" });
    expect(parseUserRef("app")).toEqual({ name: "app", host: "" });
  });

  it("answers 405 for a known path with another method and 404 for an unknown one", () => {
    expect(() => match("DELETE", "/flavors")).toThrow(/not allowed/);
    expect(() => match("GET", "/clusters")).toThrow(/no Trove route/);
  });

  it("rejects malformed percent-encoding", () => {
    expect(pathSegments("/instances/%zz")).toBeUndefined();
  });
});
