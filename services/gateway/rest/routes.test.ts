import { create, createFileRegistry, setExtension, type DescService, type MessageInitShape } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, MethodOptionsSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { file_google_api_annotations, http } from "../../../gen/proto/google/api/annotations_pb.js";
import { HttpRuleSchema, type HttpRule } from "../../../gen/proto/google/api/http_pb.js";
import { FlavorService } from "../../../gen/proto/hoard/v1/flavor_pb.js";
import { InstanceService } from "../../../gen/proto/hoard/v1/instance_pb.js";
import { createRouteTable } from "./routes.js";

/** A one-method service whose method carries the given rule, as protoc would describe it. */
function serviceWithRule(rule: HttpRule, streaming = false): DescService {
  const options = create(MethodOptionsSchema);
  setExtension(options, http, rule);
  const file = create(FileDescriptorProtoSchema, {
    name: "t/v1/t.proto",
    package: "t.v1",
    syntax: "proto3",
    dependency: ["google/api/annotations.proto"],
    messageType: [
      { name: "Req", field: [{ name: "id", number: 1, type: 9, label: 1, jsonName: "id" }, { name: "tags", number: 2, type: 9, label: 3, jsonName: "tags" }] },
      { name: "Res", field: [{ name: "items", number: 1, type: 9, label: 3, jsonName: "items" }] },
    ],
    service: [{ name: "TService", method: [{ name: "Do", inputType: ".t.v1.Req", outputType: ".t.v1.Res", options, serverStreaming: streaming }] }],
  });
  const registry = createFileRegistry(file, (name) => (name === "google/api/annotations.proto" ? file_google_api_annotations : undefined));
  const service = registry.getService("t.v1.TService");
  if (!service) throw new Error("no service");
  return service;
}

describe("createRouteTable", () => {
  const table = createRouteTable([FlavorService, InstanceService]);

  const cases: Array<[string, string, string]> = [
    ["GET", "/v1/flavors", "matched ListFlavors"],
    ["GET", "/v1/flavors/1", "matched GetFlavor"],
    ["POST", "/v1/instances/i-1:restart", "matched RestartInstance"],
    ["GET", "/v1/instances/i-1", "matched GetInstance"],
    ["DELETE", "/v1/instances/i-1", "matched DeleteInstance"],
    ["POST", "/v1/instances", "matched CreateInstance"],
    ["PUT", "/v1/instances/i-1", "method-not-allowed DELETE,GET,PATCH"],
    ["GET", "/v1/instances/i-1:restart", "matched GetInstance"],
    ["DELETE", "/v1/flavors", "method-not-allowed GET"],
    ["GET", "/v2/flavors", "not-found"],
  ];
  it.each(cases)("%s %s -> %s", (method, path, expected) => {
    const m = table.match(method, path);
    const got = m.kind === "matched" ? `matched ${m.route.method.name}` : m.kind === "method-not-allowed" ? `${m.kind} ${m.allow.join(",")}` : m.kind;
    expect(got).toBe(expected);
  });

  it("serves additional bindings, custom methods and response_body", () => {
    const t = createRouteTable([
      serviceWithRule(
        create(HttpRuleSchema, {
          pattern: { case: "get", value: "/v1/t/{id}" },
          responseBody: "items",
          additionalBindings: [
            create(HttpRuleSchema, { pattern: { case: "post", value: "/v1/t/{id}:do" }, body: "tags" }),
            create(HttpRuleSchema, { pattern: { case: "custom", value: { kind: "head", path: "/v1/t/{id}" } } }),
          ],
        }),
      ),
    ]);
    expect(t.routes.map((r) => `${r.httpMethod} ${r.template.source} ${r.body} ${r.responseBody?.name ?? ""}`)).toEqual([
      "POST /v1/t/{id}:do tags ",
      "GET /v1/t/{id}  items",
      "HEAD /v1/t/{id}  ",
    ]);
  });

  it("skips streaming methods, and refuses annotations that cannot work", () => {
    expect(createRouteTable([serviceWithRule(create(HttpRuleSchema, { pattern: { case: "get", value: "/v1/t" } }), true)]).skipped).toHaveLength(1);
    const fails: Array<[MessageInitShape<typeof HttpRuleSchema>, string]> = [
      [{ pattern: { case: "get", value: "/v1/t/{nope}" } }, 'path variable "nope" names no field'],
      [{ pattern: { case: "get", value: "/v1/t/{tags}" } }, "must be a singular scalar or enum field"],
      [{ pattern: { case: "post", value: "/v1/t" }, body: "nope" }, 'body "nope" names no field'],
      [{ pattern: { case: "get", value: "/v1/t" }, responseBody: "nope" }, 'response_body "nope"'],
      [{ pattern: { case: "get", value: "v1/t" } }, "must start with /"],
    ];
    for (const [rule, message] of fails) {
      expect(() => createRouteTable([serviceWithRule(create(HttpRuleSchema, rule))])).toThrow(message);
    }
    const dup = serviceWithRule(create(HttpRuleSchema, { pattern: { case: "get", value: "/v1/t" }, additionalBindings: [create(HttpRuleSchema, { pattern: { case: "get", value: "/v1/t" } })] }));
    expect(() => createRouteTable([dup])).toThrow("duplicate REST route GET /v1/t");
  });
});
