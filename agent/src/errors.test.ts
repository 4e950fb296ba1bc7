import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { FailedPreconditionError } from "../../services/platform/errors.js";
import { createScrubber, DatastoreOperationError, describeError, toOperationError } from "./errors.js";

const live = new AbortController().signal;

describe("createScrubber", () => {
  it("blanks registered secrets and password-shaped fragments", () => {
    const s = createScrubber();
    s.add("hunter2-long");
    expect(s.scrub("ALTER ROLE a PASSWORD 'x''y' -- hunter2-long")).toBe("ALTER ROLE a PASSWORD [redacted] -- [redacted]");
    expect(s.scrub("PGPASSWORD=abc psql password: def")).toBe("PGPASSWORD=[redacted] psql password: [redacted]");
    expect(s.scrub("postgresql://bob:pw@127.0.0.1/db")).toBe("postgresql://bob:[redacted]@127.0.0.1/db");
    expect(s.scrub("nothing secret here")).toBe("nothing secret here");
  });
});

describe("toOperationError", () => {
  it("wraps engine failures as INTERNAL naming the operation, scrubbed", () => {
    const s = createScrubber();
    s.add("sekret-pass");
    const err = toOperationError("prepare", new Error("createuser with sekret-pass failed"), s, live);
    expect(err).toBeInstanceOf(DatastoreOperationError);
    expect(err.code).toBe(Code.Internal);
    expect(err.message).toBe("prepare failed: createuser with [redacted] failed");
  });

  it("keeps the code of typed errors and of known engine error classes", () => {
    const s = createScrubber();
    expect(toOperationError("start", new FailedPreconditionError("not yet"), s, live).code).toBe(Code.FailedPrecondition);
    const spec = Object.assign(new Error("socket path too long"), { name: "DatastoreSpecError" });
    expect(toOperationError("prepare", spec, s, live)).toMatchObject({ code: Code.InvalidArgument, message: "socket path too long" });
    const pre = Object.assign(new Error("refusing"), { name: "DatastorePreconditionError" });
    expect(toOperationError("prepare", pre, s, live).code).toBe(Code.FailedPrecondition);
  });

  it("answers UNAVAILABLE while shutting down and DEADLINE_EXCEEDED when the caller gave up", () => {
    const s = createScrubber();
    const gone = AbortSignal.abort();
    expect(toOperationError("start", new Error("aborted"), s, gone).code).toBe(Code.Unavailable);
    expect(toOperationError("start", new Error("aborted"), s, live, gone).code).toBe(Code.DeadlineExceeded);
  });
});

describe("describeError", () => {
  it("scrubs message, detail, stack and cause", () => {
    const s = createScrubber();
    s.add("pw-123456");
    const cause = new Error("inner pw-123456");
    const err = Object.assign(new Error("outer pw-123456", { cause }), { detail: "log tail pw-123456" });
    expect(JSON.stringify(describeError(err, s))).not.toContain("pw-123456");
    expect(describeError(err, s)).toMatchObject({ message: "outer [redacted]", detail: "log tail [redacted]", cause: { message: "inner [redacted]" } });
  });
});
