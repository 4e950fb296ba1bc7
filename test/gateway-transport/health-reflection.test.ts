// grpc.health.v1 and grpc server reflection (v1 and v1alpha) as grpc-js clients see them over
// h2c: what grpc-health-probe and grpcurl (list, describe, call by name) rely on.
import { create, createFileRegistry, fromBinary, type DescMessage, type DescMethod, type MessageInitShape } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../../gen/proto/grpc/health/v1/health_pb.js";
import { ServerReflection as ReflectionV1, ServerReflectionRequestSchema, type ServerReflectionResponse } from "../../gen/proto/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ReflectionV1Alpha } from "../../gen/proto/grpc/reflection/v1alpha/reflection_pb.js";
import { goodToken, startFixture, type Fixture } from "./fixture.js";
import { grpcBidi, grpcClient, grpcUnary } from "./grpc-client.js";

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  await fx.server.close();
});

describe("health", () => {
  it("answers Check for the server, each service, and NOT_FOUND for unknown ones", async () => {
    expect((await grpcUnary(fx.address, Health.method.check, { service: "" })).status).toBe(Status.SERVING);
    expect((await grpcUnary(fx.address, Health.method.check, { service: "hoard.v1.FlavorService" })).status).toBe(Status.SERVING);
    fx.health.setStatus("hoard.v1.FlavorService", "NOT_SERVING");
    expect((await grpcUnary(fx.address, Health.method.check, { service: "hoard.v1.FlavorService" })).status).toBe(Status.NOT_SERVING);
    fx.health.setStatus("hoard.v1.FlavorService", Status.SERVING);
    const err = await grpcUnary(fx.address, Health.method.check, { service: "nope.Service" }).catch((e: grpc.ServiceError) => e);
    expect((err as grpc.ServiceError).code).toBe(grpc.status.NOT_FOUND);
  });

  it("streams Watch: the current status, then every change", async () => {
    const client = grpcClient(fx.address, Health.method.watch);
    const call = (client.Watch as (req: unknown) => grpc.ClientReadableStream<{ status: Status }>).call(
      client,
      create(Health.method.watch.input, { service: "hoard.v1.InstanceService" }),
    );
    const seen: Status[] = [];
    const got = (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => (seen.length >= n ? resolve() : setTimeout(check, 5));
        check();
      });
    call.on("data", (m: { status: Status }) => seen.push(m.status));
    call.on("error", () => undefined); // cancelled below
    await got(1);
    fx.health.setStatus("hoard.v1.InstanceService", "NOT_SERVING");
    await got(2);
    fx.health.setStatus("hoard.v1.InstanceService", "SERVING");
    await got(3);
    expect(seen).toEqual([Status.SERVING, Status.NOT_SERVING, Status.SERVING]);
    call.cancel();
    client.close();
  });
});

const reflectionVersions = [
  ["v1", ReflectionV1.method.serverReflectionInfo],
  ["v1alpha", ReflectionV1Alpha.method.serverReflectionInfo],
] as const;

describe.each(reflectionVersions)("reflection %s", (_version, method) => {
  // Both versions share the wire format; read every answer as v1.
  const ask = async (requests: MessageInitShape<typeof ServerReflectionRequestSchema>[]): Promise<ServerReflectionResponse[]> => {
    const answers = await grpcBidi(fx.address, method as DescMethod & { input: DescMessage; output: DescMessage }, requests as never[]);
    return answers as unknown as ServerReflectionResponse[];
  };
  const filesOf = (r: ServerReflectionResponse | undefined) =>
    r?.messageResponse.case === "fileDescriptorResponse"
      ? r.messageResponse.value.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b))
      : [];

  it("lists the served services, health and reflection included", async () => {
    const [res] = await ask([{ host: "x", messageRequest: { case: "listServices", value: "*" } }]);
    expect(res?.validHost).toBe("x");
    expect(res?.messageResponse.case).toBe("listServicesResponse");
    const names = res?.messageResponse.case === "listServicesResponse" ? res.messageResponse.value.service.map((s) => s.name) : [];
    expect(names.sort()).toEqual([
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
      "hoard.v1.FlavorService",
      "hoard.v1.InstanceService",
    ]);
  });

  it("answers several requests on one stream: symbols, nested symbols, file names, errors", async () => {
    const answers = await ask([
      { messageRequest: { case: "fileContainingSymbol", value: "hoard.v1.InstanceService" } },
      { messageRequest: { case: "fileContainingSymbol", value: "hoard.v1.InstanceService.RestartInstance" } },
      { messageRequest: { case: "fileContainingSymbol", value: "hoard.v1.Volume" } },
      { messageRequest: { case: "fileContainingSymbol", value: "hoard.v1.InstanceStatus" } },
      { messageRequest: { case: "fileContainingSymbol", value: "buf.validate.FieldRules" } },
      { messageRequest: { case: "fileByFilename", value: "hoard/v1/flavor.proto" } },
      { messageRequest: { case: "fileContainingSymbol", value: "hoard.v1.NoSuchThing" } },
    ]);
    expect(answers).toHaveLength(7);
    for (const a of answers.slice(0, 4)) expect(filesOf(a)[0]?.name).toBe("hoard/v1/instance.proto");
    expect(filesOf(answers[4])[0]?.name).toBe("buf/validate/validate.proto");
    expect(filesOf(answers[5])[0]?.name).toBe("hoard/v1/flavor.proto");
    const err = answers[6]?.messageResponse;
    expect(err?.case).toBe("errorResponse");
    expect(err?.case === "errorResponse" && err.value.errorCode).toBe(grpc.status.NOT_FOUND);

    // Everything a client needs to rebuild the schema comes in one answer.
    const names = filesOf(answers[0]).map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "hoard/v1/instance.proto",
        "buf/validate/validate.proto",
        "google/api/annotations.proto",
        "google/api/http.proto",
        "google/protobuf/descriptor.proto",
        "google/protobuf/timestamp.proto",
        "google/protobuf/duration.proto",
      ]),
    );
    expect(new Set(names).size).toBe(names.length);
  });

  it("answers extension queries", async () => {
    const [byExt, numbers] = await ask([
      { messageRequest: { case: "fileContainingExtension", value: { containingType: "google.protobuf.MethodOptions", extensionNumber: 72295728 } } },
      { messageRequest: { case: "allExtensionNumbersOfType", value: "google.protobuf.MethodOptions" } },
    ]);
    expect(filesOf(byExt)[0]?.name).toBe("google/api/annotations.proto");
    expect(numbers?.messageResponse.case).toBe("allExtensionNumbersResponse");
    if (numbers?.messageResponse.case === "allExtensionNumbersResponse") {
      expect(numbers.messageResponse.value.baseTypeName).toBe("google.protobuf.MethodOptions");
      expect(numbers.messageResponse.value.extensionNumber).toContain(72295728);
    }
  });

  it("gives a client enough to describe and call a method by name (as grpcurl does)", async () => {
    const [res] = await ask([{ messageRequest: { case: "fileContainingSymbol", value: "hoard.v1.FlavorService" } }]);
    // The requested file comes first, its imports after (as grpc-go sends them): resolve by name.
    const files = filesOf(res);
    const byName = new Map(files.map((f) => [f.name, f]));
    if (!files[0]) throw new Error("no files");
    const registry = createFileRegistry(files[0], (name) => byName.get(name));
    const service = registry.getService("hoard.v1.FlavorService");
    const getFlavor = service?.methods.find((m) => m.name === "GetFlavor");
    expect(getFlavor?.input.typeName).toBe("hoard.v1.GetFlavorRequest");
    expect(getFlavor?.output.fields.map((f) => f.name)).toEqual(["flavor"]);
    if (!getFlavor) return;
    // A dynamic call built only from the reflected schema.
    const reply = await grpcUnary(fx.address, getFlavor, { id: "small" } as never, { authorization: goodToken });
    expect((reply as unknown as { flavor: { ramMb: number } }).flavor.ramMb).toBe(1024);
  });
});
