import { create, type DescMessage, type DescMethod } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FieldDescriptorProto_Type, FileOptions_OptimizeMode } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { InstanceSchema } from "../../../gen/proto/hoard/v1/instance_pb.js";
import { parsePathTemplate } from "./path-template.js";
import { buildRequestMessage, RestRequestError } from "./request-message.js";
import type { RestRoute } from "./routes.js";

// FileDescriptorProto has what Hoard's requests do not yet: repeated strings and ints, nested
// messages with booleans and enums, repeated messages. A route over it exercises every mapping.
function route(template: string, body = "", input: DescMessage = FileDescriptorProtoSchema): RestRoute {
  const method = { input, name: "Fake" } as unknown as DescMethod;
  return { httpMethod: "GET", template: parsePathTemplate(template), method, body, responseBody: undefined };
}

function build(r: RestRoute, path: string, query = "", body?: unknown) {
  const variables = r.template.match(path);
  if (!variables) throw new Error(`no match for ${path}`);
  return buildRequestMessage(r, variables, new URLSearchParams(query), body as never, {});
}

describe("buildRequestMessage", () => {
  it("maps path variables, repeated, numeric, boolean and enum query parameters (proto and JSON names)", () => {
    const msg = build(
      route("/files/{name}"),
      "/files/a.proto",
      "dependency=x.proto&dependency=y.proto&public_dependency=1&publicDependency=2&options.java_multiple_files=true&options.optimizeFor=CODE_SIZE&options.cc_enable_arenas=0",
    );
    expect(msg).toMatchObject({
      name: "a.proto",
      dependency: ["x.proto", "y.proto"],
      publicDependency: [1, 2],
      options: { javaMultipleFiles: true, optimizeFor: FileOptions_OptimizeMode.CODE_SIZE, ccEnableArenas: false },
    });
  });

  it("accepts enum numbers and nested path variables", () => {
    const msg = build(route("/files/{options.java_package}"), "/files/org.hoard", "options.optimize_for=2");
    expect(msg).toMatchObject({ options: { javaPackage: "org.hoard", optimizeFor: FileOptions_OptimizeMode.CODE_SIZE } });
  });

  it("accepts well-known types and 64-bit integers as strings", () => {
    const msg = build(route("/instances/{id}", "", InstanceSchema), "/instances/i-1", "created_at=2025-01-02T03:04:05Z&volume.used_bytes=9007199254740993&status=INSTANCE_STATUS_ACTIVE");
    expect(msg).toMatchObject({ id: "i-1", createdAt: { seconds: 1735787045n }, volume: { usedBytes: 9007199254740993n }, status: 2 });
  });

  it('merges a body: "*" and lets the path win', () => {
    const msg = build(route("/files/{name}", "*"), "/files/from-path", "", {
      name: "from-body",
      package: "p",
      messageType: [{ name: "M", field: [{ name: "f", number: 1, type: "TYPE_STRING" }] }],
    });
    expect(msg).toMatchObject({ name: "from-path", package: "p" });
    expect((msg as ReturnType<typeof create<typeof FileDescriptorProtoSchema>>).messageType[0]?.field[0]?.type).toBe(
      FieldDescriptorProto_Type.STRING,
    );
  });

  it('fills one field from body: "field", the rest from the query', () => {
    const msg = build(route("/files/{name}", "options"), "/files/a", "package=p", { javaPackage: "j" });
    expect(msg).toMatchObject({ name: "a", package: "p", options: { javaPackage: "j" } });
  });

  const bad: Array<[string, RestRoute, string, string, unknown, string]> = [
    ["unknown parameter", route("/files/{name}"), "/files/a", "colour=red", undefined, 'unknown query parameter "colour"'],
    ["bad number", route("/files/{name}"), "/files/a", "public_dependency=x", undefined, 'query parameter "public_dependency"'],
    ["bad bool", route("/files/{name}"), "/files/a", "options.java_multiple_files=yes", undefined, "expected true or false"],
    ["bad enum", route("/files/{name}"), "/files/a", "options.optimize_for=FAST", undefined, 'query parameter "options.optimize_for"'],
    ["singular twice", route("/files/{name}"), "/files/a", "package=a&package=b", undefined, "given 2 times"],
    ["path field in query", route("/files/{name}"), "/files/a", "name=b", undefined, "already bound by the path"],
    ["message in query", route("/files/{name}"), "/files/a", "options=x", undefined, "message fields cannot be set from the URL"],
    ["query with body *", route("/files/{name}", "*"), "/files/a", "package=p", {}, 'unknown query parameter "package"'],
    ["body field in query", route("/files/{name}", "options"), "/files/a", "options.java_package=x", {}, "belongs in the request body"],
    ["unknown body key", route("/files/{name}", "*"), "/files/a", "", { colour: "red" }, "invalid request body"],
    ["body on a bodiless route", route("/files/{name}"), "/files/a", "", { package: "p" }, "takes no request body"],
  ];
  it.each(bad)("rejects %s", (_what, r, path, query, body, message) => {
    expect(() => build(r, path, query, body)).toThrow(RestRequestError);
    expect(() => build(r, path, query, body)).toThrow(message);
  });
});
