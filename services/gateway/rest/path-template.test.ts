import { describe, expect, it } from "vitest";
import { parsePathTemplate, PathTemplateError } from "./path-template.js";

describe("parsePathTemplate: matching", () => {
  // [template, path, expected bindings (field path -> value) or undefined for no match]
  const table: Array<[string, string, Record<string, string> | undefined]> = [
    ["/v1/flavors", "/v1/flavors", {}],
    ["/v1/flavors", "/v1/flavors/", {}],
    ["/v1/flavors", "/v1/flavor", undefined],
    ["/v1/flavors", "/v1/flavors/1", undefined],
    ["/v1/flavors/{id}", "/v1/flavors/1", { id: "1" }],
    ["/v1/flavors/{id}", "/v1/flavors/", undefined],
    ["/v1/flavors/{id}", "/v1/flavors/a/b", undefined],
    ["/v1/flavors/{id}", "/v1/flavors/a%2Fb", { id: "a/b" }],
    ["/v1/flavors/{id}", "/v1/flavors/caf%C3%A9", { id: "café" }],
    ["/v1/flavors/{id}", "/v1/flavors/%E0%A4%A", undefined],
    ["/v1/datastores/{datastore}/versions", "/v1/datastores/postgresql/versions", { datastore: "postgresql" }],
    ["/v1/datastores/{datastore}/versions", "/v1/datastores/postgresql", undefined],
    ["/v1/instances/{id}:restart", "/v1/instances/i-1:restart", { id: "i-1" }],
    ["/v1/instances/{id}:restart", "/v1/instances/i-1", undefined],
    ["/v1/instances/{id}:restart", "/v1/instances/i-1:stop", undefined],
    ["/v1/instances/{id}:restart", "/v1/instances/a:b:restart", { id: "a:b" }],
    ["/v1/instances/{id}", "/v1/instances/i-1:restart", { id: "i-1:restart" }],
    ["/v1/{name=projects/*/instances/*}", "/v1/projects/p1/instances/i1", { name: "projects/p1/instances/i1" }],
    ["/v1/{name=projects/*/instances/*}", "/v1/projects/p1/instances", undefined],
    ["/v1/{name=projects/*}/instances", "/v1/projects/p1/instances", { name: "projects/p1" }],
    ["/v1/{parent=projects/*}/instances/{instance.id}", "/v1/projects/p/instances/7", { parent: "projects/p", "instance.id": "7" }],
    ["/v1/{name=files/**}", "/v1/files/a/b/c", { name: "files/a/b/c" }],
    ["/v1/{name=files/**}", "/v1/files/a%2Fb/c", { name: "files/a%2Fb/c" }],
    ["/v1/{name=files/**}:undelete", "/v1/files/a/b:undelete", { name: "files/a/b" }],
    ["/v1/*/items", "/v1/anything/items", {}],
    ["/v1/*/items", "/v1/a/b/items", undefined],
    ["/v1/files/**", "/v1/files/a/b", {}],
  ];

  it.each(table)("%s matches %s", (template, path, expected) => {
    const bound = parsePathTemplate(template).match(path);
    if (expected === undefined) {
      expect(bound).toBeUndefined();
      return;
    }
    expect(bound).toBeDefined();
    expect(Object.fromEntries((bound ?? []).map((b) => [b.variable.fieldPath.join("."), b.value]))).toEqual(expected);
  });
});

describe("parsePathTemplate: structure", () => {
  it("reports verb, variables and specificity", () => {
    const t = parsePathTemplate("/v1/{parent=projects/*}/instances/{id}:restart");
    expect(t.verb).toBe("restart");
    expect(t.variables).toEqual([
      { fieldPath: ["parent"], multiSegment: true },
      { fieldPath: ["id"], multiSegment: false },
    ]);
    expect(t.literalCount).toBe(3);
    expect(t.deepWildcardCount).toBe(0);
  });

  const bad: Array<[string, string]> = [
    ["v1/flavors", "must start with /"],
    ["/v1/{id", "unbalanced"],
    ["/v1/{a={b}}", "nested"],
    ["/v1/{id}/{id}", "bound twice"],
    ["/v1/{1d}", "bad field path"],
    ["/v1//x", "empty segment"],
    ["/v1/**/x", '"**" must be the last segment'],
    ["/v1/x:", "bad verb"],
    ["/v1/a b", "bad literal"],
  ];
  it.each(bad)("rejects %s (%s)", (template, problem) => {
    expect(() => parsePathTemplate(template)).toThrow(PathTemplateError);
    expect(() => parsePathTemplate(template)).toThrow(problem);
  });
});
