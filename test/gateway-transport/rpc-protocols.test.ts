// Connect (HTTP/1.1 and h2c), gRPC (grpc-js over h2c) and gRPC-Web against one port, all through
// the same interceptors.
import type { DescMethod } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FlavorService } from "../../gen/proto/hoard/v1/flavor_pb.js";
import { InstanceService } from "../../gen/proto/hoard/v1/instance_pb.js";
import { goodToken, startFixture, type Fixture } from "./fixture.js";
import { grpcUnary } from "./grpc-client.js";

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  await fx.server.close();
});

const auth = { authorization: goodToken };

describe("Connect", () => {
  it("answers JSON over HTTP/1.1 to plain fetch", async () => {
    const res = await fetch(`${fx.baseUrl}/hoard.v1.FlavorService/GetFlavor`, {
      method: "POST",
      headers: { "content-type": "application/json", ...auth },
      body: JSON.stringify({ id: "small" }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-seen-by")).toBe("interceptor");
    expect(await res.json()).toEqual({ flavor: { id: "1", name: "small", vcpus: 1, ramMb: 1024 } });
  });

  it("answers a connect-node client over HTTP/1.1", async () => {
    const client = createClient(FlavorService, createConnectTransport({ baseUrl: fx.baseUrl, httpVersion: "1.1" }));
    const res = await client.listFlavors({}, { headers: auth });
    expect(res.flavors.map((f) => f.name)).toEqual(["small", "medium"]);
  });

  it("answers a connect-node client over h2c, errors included", async () => {
    const client = createClient(InstanceService, createConnectTransport({ baseUrl: fx.baseUrl, httpVersion: "2" }));
    const res = await client.getInstance({ id: "db1" }, { headers: auth });
    expect(res.instance?.id).toBe("i-1");
    expect(res.instance?.volume?.usedBytes).toBe(123n);
    const err = await client.getInstance({ id: "nope" }, { headers: auth }).catch((e: unknown) => ConnectError.from(e));
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.NotFound);
    const unauth = await client.getInstance({ id: "db1" }).catch((e: unknown) => ConnectError.from(e));
    expect((unauth as ConnectError).code).toBe(Code.Unauthenticated);
  });

  it("rejects invalid input through the validation interceptor", async () => {
    const client = createClient(FlavorService, createConnectTransport({ baseUrl: fx.baseUrl, httpVersion: "1.1" }));
    const err = await client.getFlavor({ id: "" }, { headers: auth }).catch((e: unknown) => ConnectError.from(e));
    expect((err as ConnectError).code).toBe(Code.InvalidArgument);
  });
});

describe("gRPC", () => {
  it("answers @grpc/grpc-js over h2c", async () => {
    const res = await grpcUnary(fx.address, FlavorService.method.getFlavor, { id: "2" }, auth);
    expect(res.flavor?.name).toBe("medium");
  });

  it("maps errors and authentication to gRPC status codes", async () => {
    const notFound = await grpcUnary(fx.address, FlavorService.method.getFlavor, { id: "x" }, auth).catch((e: grpc.ServiceError) => e);
    expect((notFound as grpc.ServiceError).code).toBe(grpc.status.NOT_FOUND);
    expect((notFound as grpc.ServiceError).details).toContain('flavor "x" not found');
    const unauth = await grpcUnary(fx.address, FlavorService.method.getFlavor, { id: "2" }).catch((e: grpc.ServiceError) => e);
    expect((unauth as grpc.ServiceError).code).toBe(grpc.status.UNAUTHENTICATED);
  });

  it("answers an unknown method with UNIMPLEMENTED", async () => {
    const fake = { ...FlavorService.method.getFlavor, name: "NoSuchMethod" } as DescMethod;
    const err = await grpcUnary(fx.address, fake as typeof FlavorService.method.getFlavor, { id: "1" }, auth).catch(
      (e: grpc.ServiceError) => e,
    );
    expect((err as grpc.ServiceError).code).toBe(grpc.status.UNIMPLEMENTED);
  });

  it("answers connect-node's gRPC transport", async () => {
    const client = createClient(FlavorService, createGrpcTransport({ baseUrl: fx.baseUrl }));
    expect((await client.getFlavor({ id: "1" }, { headers: auth })).flavor?.name).toBe("small");
  });
});

describe("gRPC-Web", () => {
  it("answers createGrpcWebTransport over HTTP/1.1", async () => {
    const client = createClient(FlavorService, createGrpcWebTransport({ baseUrl: fx.baseUrl, httpVersion: "1.1" }));
    expect((await client.getFlavor({ id: "medium" }, { headers: auth })).flavor?.id).toBe("2");
    const err = await client.getFlavor({ id: "x" }, { headers: auth }).catch((e: unknown) => ConnectError.from(e));
    expect((err as ConnectError).code).toBe(Code.NotFound);
  });
});

describe("unknown methods", () => {
  // A service this server does not serve at all: the request falls through to the REST fallback,
  // which answers each RPC protocol in its own terms.
  function unservedService(): typeof FlavorService {
    const parent = { ...FlavorService, typeName: "hoard.v1.NoSuchService" } as { -readonly [K in keyof typeof FlavorService]: (typeof FlavorService)[K] };
    const getFlavor = { ...FlavorService.method.getFlavor, parent };
    parent.methods = [getFlavor];
    parent.method = { ...FlavorService.method, getFlavor };
    return parent;
  }

  it("answers UNIMPLEMENTED to gRPC-Web and Connect clients", async () => {
    for (const transport of [
      createGrpcWebTransport({ baseUrl: fx.baseUrl, httpVersion: "1.1" }),
      createConnectTransport({ baseUrl: fx.baseUrl, httpVersion: "1.1" }),
      createConnectTransport({ baseUrl: fx.baseUrl, httpVersion: "2" }),
      createGrpcTransport({ baseUrl: fx.baseUrl }),
    ]) {
      const client = createClient(unservedService(), transport);
      const err = await client.getFlavor({ id: "1" }, { headers: auth }).catch((e: unknown) => ConnectError.from(e));
      expect((err as ConnectError | undefined)?.code).toBe(Code.Unimplemented);
    }
  });
});

describe("interceptors", () => {
  it("saw every protocol", () => {
    const types = new Set(fx.calls.map((c) => c.contentType.replace(/[;+].*$/, "")));
    for (const t of ["application/json", "application/grpc", "application/grpc-web"]) expect(types.has(t)).toBe(true);
  });
});
