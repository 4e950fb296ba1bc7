// REST/JSON routes derived from the google.api.http annotations, called with plain fetch (and one
// HTTP/2 client), through the same handlers and interceptors as the RPC protocols.
import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { goodToken, startFixture, type Fixture } from "./fixture.js";

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  await fx.server.close();
});

const auth = { authorization: goodToken };

async function rest(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${fx.baseUrl}${path}`, { method, headers: { ...auth, ...init.headers }, body: init.body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text === "" ? undefined : (JSON.parse(text) as unknown) };
}

describe("REST routes from google.api.http", () => {
  it("derives the routes from the annotations", () => {
    const routes = fx.server.restRoutes.map((r) => `${r.httpMethod} ${r.template.source}`);
    expect(routes).toEqual(
      expect.arrayContaining([
        "GET /v1/flavors",
        "GET /v1/flavors/{id}",
        "POST /v1/instances",
        "GET /v1/instances/{id}",
        "DELETE /v1/instances/{id}",
        "POST /v1/instances/{id}:restart",
      ]),
    );
  });

  it("GET /v1/flavors lists flavors", async () => {
    const res = await rest("GET", "/v1/flavors");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.json).toEqual({
      flavors: [
        { id: "1", name: "small", vcpus: 1, ramMb: 1024 },
        { id: "2", name: "medium", vcpus: 2, ramMb: 4096 },
      ],
    });
  });

  it("GET /v1/flavors/{id} finds one flavor, percent-decoding the path", async () => {
    expect((await rest("GET", "/v1/flavors/2")).json).toEqual({ flavor: { id: "2", name: "medium", vcpus: 2, ramMb: 4096 } });
    expect((await rest("GET", "/v1/flavors/%6Dedium")).json).toMatchObject({ flavor: { id: "2" } });
  });

  it("GET /v1/flavors/{id} answers 404 with a JSON error for an unknown flavor", async () => {
    const res = await rest("GET", "/v1/flavors/huge");
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ code: "not_found", message: 'flavor "huge" not found', details: [] });
  });

  it("GET /v1/instances/{id} encodes 64-bit integers, enums and timestamps as protobuf JSON", async () => {
    const res = await rest("GET", "/v1/instances/db1");
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      instance: {
        id: "i-1",
        projectId: "p-1",
        status: "INSTANCE_STATUS_ACTIVE",
        datastoreVersion: "15",
        volume: { sizeGb: 2, kind: "directory", usedBytes: "123" },
        createdAt: "2025-01-02T03:04:05Z",
      },
    });
  });

  it("POST /v1/instances/{id}:restart calls RestartInstance, with or without a body", async () => {
    const noBody = await rest("POST", "/v1/instances/i-1:restart");
    expect(noBody.status).toBe(200);
    expect(noBody.json).toMatchObject({ instance: { id: "i-1", status: "INSTANCE_STATUS_REBOOT" } });
    const emptyObject = await rest("POST", "/v1/instances/i-1:restart", { body: "{}", headers: { "content-type": "application/json" } });
    expect(emptyObject.status).toBe(200);
    expect((await rest("POST", "/v1/instances/i-2:restart")).status).toBe(404);
  });

  it('POST /v1/instances merges the JSON body (body: "*"), snake_case or lowerCamelCase', async () => {
    const res = await rest("POST", "/v1/instances", {
      body: JSON.stringify({ name: "db9", flavor: "small", volume_size_gb: 1, datastore: "postgresql" }),
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ instance: { name: "db9", status: "INSTANCE_STATUS_BUILD" } });
  });

  it("maps query parameters (snake_case and lowerCamelCase) onto the request", async () => {
    const res = await rest("GET", "/v1/instances?page_size=1&pageToken=abc%20def");
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ nextPageToken: "size=1;token=abc def" });
  });

  it("rejects a query parameter of the wrong type or an unknown one with 400", async () => {
    const badNumber = await rest("GET", "/v1/instances?page_size=many");
    expect(badNumber.status).toBe(400);
    expect(badNumber.json).toMatchObject({ code: "invalid_argument", message: expect.stringContaining('query parameter "page_size"') });
    const unknown = await rest("GET", "/v1/instances?colour=blue");
    expect(unknown.status).toBe(400);
    expect(unknown.json).toMatchObject({ message: 'unknown query parameter "colour"' });
  });

  it("runs the validation interceptor: 400 for a too-long id", async () => {
    const res = await rest("GET", `/v1/flavors/${"x".repeat(65)}`);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: "invalid_argument" });
  });

  it("runs the authentication interceptor: 401 without a token", async () => {
    const res = await fetch(`${fx.baseUrl}/v1/flavors`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: "unauthenticated", message: "missing or invalid bearer token", details: [] });
  });

  it("passes the interceptors' response headers and marks the call as REST", async () => {
    const before = fx.calls.length;
    const res = await rest("GET", "/v1/flavors/1");
    expect(res.headers.get("x-seen-by")).toBe("interceptor");
    expect(fx.calls.slice(before)).toEqual([
      {
        rpc: "hoard.v1.FlavorService/GetFlavor",
        contentType: "application/proto",
        rest: { httpMethod: "GET", path: "/v1/flavors/1", template: "/v1/flavors/{id}" },
      },
    ]);
  });

  it("answers 404 for an unknown path", async () => {
    const res = await rest("GET", "/v1/nothing/here");
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ code: "not_found", message: "no route for GET /v1/nothing/here", details: [] });
  });

  it("answers 405 with Allow for a known path and the wrong method", async () => {
    const res = await rest("DELETE", "/v1/flavors");
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET");
    expect(res.json).toMatchObject({ code: "unimplemented" });
    const put = await rest("PUT", "/v1/instances/i-1");
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("DELETE, GET, PATCH");
  });

  it("answers 400 naming the problem for a malformed JSON body", async () => {
    const res = await rest("POST", "/v1/instances", { body: '{"name": ', headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: "invalid_argument", message: expect.stringMatching(/^malformed JSON body: /) });
  });

  it("answers 400 for a body that is JSON but not the request message", async () => {
    const res = await rest("POST", "/v1/instances", { body: '{"colour": "blue"}', headers: { "content-type": "application/json" } });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: "invalid_argument", message: expect.stringContaining("colour") });
    const wrongType = await rest("POST", "/v1/instances", { body: '{"volumeSizeGb": "big"}' });
    expect(wrongType.status).toBe(400);
  });

  it("reads a JSON body whatever its content-type; answers 415 for a body that is not JSON", async () => {
    const curlStyle = await rest("POST", "/v1/instances", {
      body: '{"name": "db8", "flavor": "small", "volumeSizeGb": 1, "datastore": "redis"}',
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(curlStyle.status).toBe(200);
    const res = await rest("POST", "/v1/instances", { body: "name=x", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBe(415);
  });

  it("serves REST over h2c too", async () => {
    const session = http2.connect(fx.baseUrl);
    try {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = session.request({ ":method": "GET", ":path": "/v1/flavors/1", ...auth });
        let status = 0;
        let body = "";
        req.on("response", (h) => (status = Number(h[":status"])));
        req.setEncoding("utf8");
        req.on("data", (c: string) => (body += c));
        req.on("end", () => resolve({ status, body }));
        req.on("error", reject);
      });
      expect(status).toBe(200);
      expect(JSON.parse(body)).toMatchObject({ flavor: { id: "1" } });
    } finally {
      session.close();
    }
  });
});

describe("REST limits", () => {
  it("answers 413 for a body over maxBodyBytes, on HTTP/1.1 and HTTP/2", async () => {
    const small = await startFixture({ rest: { maxBodyBytes: 64 } });
    try {
      const body = JSON.stringify({ name: "x".repeat(100) });
      const res = await fetch(`${small.baseUrl}/v1/instances`, { method: "POST", headers: auth, body });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ code: "resource_exhausted" });

      const session = http2.connect(small.baseUrl);
      const status = await new Promise<number>((resolve, reject) => {
        const req = session.request({ ":method": "POST", ":path": "/v1/instances", ...auth });
        req.on("response", (h) => resolve(Number(h[":status"])));
        req.on("error", reject);
        req.resume();
        req.end(body);
      });
      session.close();
      expect(status).toBe(413);
    } finally {
      await small.server.close();
    }
  });
});
