import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { badMethodFault, faultForCode, faultOf, TroveFault } from "./faults.js";

describe("Trove faults", () => {
  it.each([
    [Code.InvalidArgument, "badRequest", 400],
    [Code.Unauthenticated, "unauthorized", 401],
    [Code.PermissionDenied, "forbidden", 403],
    [Code.NotFound, "itemNotFound", 404],
    [Code.AlreadyExists, "conflictingRequest", 409],
    [Code.Aborted, "conflictingRequest", 409],
    [Code.ResourceExhausted, "overLimit", 413],
    [Code.FailedPrecondition, "unprocessableEntity", 422],
    [Code.Unimplemented, "notImplemented", 501],
    [Code.Unavailable, "serviceUnavailable", 503],
    [Code.Internal, "instanceFault", 500],
  ])("maps Connect code %s to %s %s", (code, name, status) => {
    expect(faultForCode(code)).toEqual({ name, status });
  });

  it("every Connect code has a fault", () => {
    for (const code of Object.values(Code).filter((c): c is Code => typeof c === "number")) {
      expect(faultForCode(code).status).toBeGreaterThanOrEqual(400);
    }
  });

  it("writes Trove's body from an RPC error, keeping the message without Connect's prefix", () => {
    expect(faultOf(new ConnectError('instance "x" not found', Code.NotFound))).toEqual({
      status: 404,
      body: { itemNotFound: { code: 404, message: 'instance "x" not found' } },
    });
    expect(faultOf(badMethodFault("no"))).toEqual({ status: 405, body: { badMethod: { code: 405, message: "no" } } });
    expect(faultOf(new TroveFault({ name: "overLimit", status: 413 }, "big"))?.status).toBe(413);
  });

  it("keeps a rate-limited call's Retry-After", () => {
    const limited = new ConnectError("rate limit exceeded for this token; retry in 0.4 s", Code.ResourceExhausted, { "retry-after": "1" });
    expect(faultOf(limited)).toEqual({
      status: 413,
      body: { overLimit: { code: 413, message: "rate limit exceeded for this token; retry in 0.4 s" } },
      headers: { "retry-after": "1" },
    });
    expect(faultOf(new ConnectError("quota exceeded", Code.ResourceExhausted))?.headers).toBeUndefined();
  });

  it("leaves anything else to the caller (a bug, logged, answered 500 without its cause)", () => {
    expect(faultOf(new Error("secret detail"))).toBeUndefined();
  });
});
