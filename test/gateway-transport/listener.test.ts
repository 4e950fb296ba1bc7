// The one-port listener's protocol sniffing at its edges: first bytes split across packets,
// large bodies right after the hand-off, and connections that never say anything.
import net from "node:net";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InstanceService } from "../../gen/proto/hoard/v1/instance_pb.js";
import { goodToken, startFixture, type Fixture } from "./fixture.js";

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  await fx.server.close();
});

const auth = { authorization: goodToken };

function rawExchange(port: number, pieces: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let out = "";
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => (out += d));
    socket.on("end", () => resolve(out));
    socket.on("error", reject);
    socket.on("connect", async () => {
      for (const p of pieces) {
        socket.write(p);
        await new Promise((r) => setTimeout(r, 20));
      }
    });
  });
}

describe("protocol sniffing", () => {
  it("tells HTTP/1.1 from HTTP/2 when the first bytes arrive one at a time", async () => {
    const request = `GET /v1/flavors/1 HTTP/1.1\r\nhost: x\r\nauthorization: ${goodToken}\r\nconnection: close\r\n\r\n`;
    const response = await rawExchange(fx.server.address.port, ["G", "E", "T", request.slice(3)]);
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(response).toContain('"name":"small"');
  });

  it("carries large bodies across the hand-off, on HTTP/1.1 and HTTP/2", async () => {
    // Long enough to need many TCP reads; the validation interceptor rejects it, after reading it all.
    const name = "x".repeat(2_000_000);
    for (const httpVersion of ["1.1", "2"] as const) {
      const client = createClient(InstanceService, createConnectTransport({ baseUrl: fx.baseUrl, httpVersion }));
      const err = await client
        .createInstance({ name, flavor: "small", volumeSizeGb: 1, datastore: "redis" }, { headers: auth })
        .catch((e: Error) => e);
      expect(String(err)).toContain("name");
      expect(String(err)).toMatch(/invalid_argument|value length must be at most 64/);
    }
    const res = await fetch(`${fx.baseUrl}/v1/instances`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ name, flavor: "small", volumeSizeGb: 1, datastore: "redis" }),
    });
    expect(res.status).toBe(400);
  });

  it("answers garbage with 400 and keeps serving", async () => {
    const response = await rawExchange(fx.server.address.port, ["\x16\x03\x01 not http\r\n\r\n"]);
    expect(response).toMatch(/^HTTP\/1\.1 400/);
    expect((await fetch(`${fx.baseUrl}/v1/flavors`, { headers: auth })).status).toBe(200);
  });
});

describe("silent connections", () => {
  it("do not hold up close()", async () => {
    const own = await startFixture();
    const silent = net.connect(own.server.address.port, "127.0.0.1");
    await new Promise((resolve) => silent.once("connect", resolve));
    const closed = new Promise((resolve) => silent.once("close", resolve));
    silent.on("error", () => undefined);
    const start = performance.now();
    await own.server.close();
    expect(performance.now() - start).toBeLessThan(5000); // a hang check: well short of the 10 s drain deadline
    await closed;
  });
});

describe("slow HTTP/1.1 clients", () => {
  it("are cut off by headersTimeout although the http server never listens itself", async () => {
    const own = await startFixture({ http1: { headersTimeout: 200, requestTimeout: 300, connectionsCheckingInterval: 50 } });
    try {
      const start = performance.now();
      const socket = net.connect(own.server.address.port, "127.0.0.1");
      socket.on("error", () => undefined);
      let out = "";
      socket.setEncoding("utf8");
      socket.on("data", (d: string) => (out += d));
      socket.on("connect", () => socket.write("GET /v1/flavors HTTP/1.1\r\nhost: x\r\n"));
      await new Promise((resolve) => socket.once("close", resolve));
      expect(out).toMatch(/^HTTP\/1\.1 408/);
      expect(performance.now() - start).toBeLessThan(10_000); // a hang check: it is cut off at all
    } finally {
      await own.server.close();
    }
  });
});
