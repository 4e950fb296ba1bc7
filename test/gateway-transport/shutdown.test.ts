// close() drains and never hangs: idle keep-alive connections, idle HTTP/2 sessions and health
// watchers are let go at once, in-flight calls finish, and calls that would never finish are
// aborted at the drain deadline.
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../../gen/proto/grpc/health/v1/health_pb.js";
import { InstanceService } from "../../gen/proto/hoard/v1/instance_pb.js";
import { goodToken, startFixture } from "./fixture.js";
import { grpcClient } from "./grpc-client.js";

const auth = { authorization: goodToken };

async function timed<T>(p: Promise<T>): Promise<number> {
  const start = performance.now();
  await p;
  return performance.now() - start;
}

function get(agent: http.Agent, url: string): Promise<{ status: number; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: auth }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, socket: req.socket as net.Socket }));
    });
    req.on("error", reject);
  });
}

describe("close()", () => {
  it("returns promptly with an idle keep-alive HTTP/1.1 connection and open HTTP/2 sessions", async () => {
    const fx = await startFixture();
    const agent = new http.Agent({ keepAlive: true });
    const { status, socket } = await get(agent, `${fx.baseUrl}/v1/flavors`);
    expect(status).toBe(200);
    const h1Closed = new Promise((resolve) => socket.once("close", resolve));

    const session = http2.connect(fx.baseUrl);
    await new Promise<void>((resolve, reject) => {
      const req = session.request({ ":path": "/v1/flavors", ...auth });
      req.resume();
      req.on("end", resolve);
      req.on("error", reject);
    });
    const h2Closed = new Promise((resolve) => session.once("close", resolve));

    // connect-node's HTTP/2 session manager and a grpc-js channel keep their sessions open too.
    const connectClient = createClient(InstanceService, createConnectTransport({ baseUrl: fx.baseUrl, httpVersion: "2" }));
    await connectClient.getInstance({ id: "i-1" }, { headers: auth });
    const channel = grpcClient(fx.address, Health.method.check);
    await new Promise<void>((resolve, reject) =>
      (channel.Check as (req: unknown, cb: (err: Error | null) => void) => void).call(
        channel,
        create(Health.method.check.input, { service: "" }),
        (err) => (err ? reject(err) : resolve()),
      ),
    );
    expect(channel.getChannel().getConnectivityState(false)).toBe(grpc.connectivityState.READY);

    const ms = await timed(fx.server.close());
    expect(ms).toBeLessThan(5000); // a hang check: well short of the 10 s drain deadline
    await Promise.all([h1Closed, h2Closed]);
    expect(socket.destroyed).toBe(true);
    channel.close();
    agent.destroy();
  });

  it("ends health Watch streams at once (NOT_SERVING, then end of stream)", async () => {
    const fx = await startFixture();
    const client = grpcClient(fx.address, Health.method.watch);
    const call = (client.Watch as (req: unknown) => grpc.ClientReadableStream<{ status: Status }>).call(
      client,
      create(Health.method.watch.input, { service: "" }),
    );
    const seen: Status[] = [];
    const ended = new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
    call.on("data", (m: { status: Status }) => seen.push(m.status));
    call.on("error", () => undefined);
    await new Promise<void>((resolve) => call.once("data", () => resolve()));

    const ms = await timed(fx.server.close());
    expect(ms).toBeLessThan(5000); // a hang check: well short of the 10 s drain deadline
    expect((await ended).code).toBe(grpc.status.OK);
    expect(seen).toEqual([Status.SERVING, Status.NOT_SERVING]);
    client.close();
  });

  it("lets in-flight calls finish, and refuses new connections", async () => {
    const fx = await startFixture();
    const inFlight = fetch(`${fx.baseUrl}/v1/instances/slow`, { headers: auth });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = fx.server.close();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ instance: { id: "i-1" } });
    await closing;
    await expect(fetch(`${fx.baseUrl}/v1/flavors`, { headers: auth })).rejects.toThrow();
  });

  it("aborts calls still running at the drain deadline with UNAVAILABLE", async () => {
    const fx = await startFixture({ drainTimeoutMs: 300 });
    const client = createClient(InstanceService, createConnectTransport({ baseUrl: fx.baseUrl, httpVersion: "2" }));
    const hanging = client.deleteInstance({ id: "i-1" }, { headers: auth }).catch((e: unknown) => ConnectError.from(e));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const ms = await timed(fx.server.close());
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(10_000); // a hang check, not a speed test
    const err = await hanging;
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unavailable);
  });
});
