// HTTP mounts beside the RPC surfaces: a prefix mount takes its subtree, an exact mount only its
// one path (with any query), and everything else still reaches REST.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NodeHandlerFn } from "../../services/gateway/rest/index.js";
import { goodToken, startFixture, type Fixture } from "./fixture.js";

let fx: Fixture;
const answer = (name: string): NodeHandlerFn => (_req, res) => {
  res.writeHead(200, { "content-type": "text/plain" });
  res.end(name);
};

beforeAll(async () => {
  fx = await startFixture({
    mounts: () => [
      { prefix: "/", exact: true, handle: answer("root") },
      { prefix: "/v1.0/", handle: answer("prefix") },
    ],
  });
});
afterAll(async () => {
  await fx.server.close();
});

async function get(path: string) {
  const res = await fetch(`${fx.baseUrl}${path}`, { headers: { authorization: goodToken } });
  return { status: res.status, text: await res.text() };
}

describe("HTTP mounts", () => {
  it("an exact mount answers its path, with or without a query, and nothing below it", async () => {
    expect(await get("/")).toEqual({ status: 200, text: "root" });
    expect(await get("/?x=1")).toEqual({ status: 200, text: "root" });
    expect((await get("/v1/flavors")).status).toBe(200);
    expect(JSON.parse((await get("/v1/flavors")).text)).toHaveProperty("flavors");
  });

  it("a prefix mount answers its subtree", async () => {
    expect(await get("/v1.0/p/instances")).toEqual({ status: 200, text: "prefix" });
    expect((await get("/v1.00")).status).toBe(404);
  });
});
