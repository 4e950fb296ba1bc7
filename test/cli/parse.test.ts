// The flag and argument parsers the commands share: the NAME@HOST user form and name lists.
import { describe, expect, it } from "vitest";
import { UsageError } from "../../cli/errors.js";
import { nonEmptyFlag, parseNames, parseUserRef } from "../../cli/parse.js";

describe("parseUserRef", () => {
  it.each([
    ["app", undefined, { name: "app", host: "" }],
    ["app", "%", { name: "app", host: "%" }],
    ["app", "", { name: "app", host: "" }],
    ["app@%", undefined, { name: "app", host: "%" }],
    ["app@10.0.0.%", undefined, { name: "app", host: "10.0.0.%" }],
    ["odd@name@db.example.com", undefined, { name: "odd@name", host: "db.example.com" }],
  ])("%s with --host %s -> %j", (arg, host, expected) => {
    expect(parseUserRef(arg, host)).toEqual(expected);
  });

  it.each([
    ["app@%", "%", 'give the host as NAME@HOST or with --host, not both ("app@%" and --host "%")'],
    ["app@", undefined, `user "app@" has no host after '@' (expected NAME or NAME@HOST)`],
    ["@%", undefined, `user "@%" has no name before '@' (expected NAME or NAME@HOST)`],
    ["", undefined, "the user name is empty"],
  ])("rejects %j with --host %s", (arg, host, message) => {
    expect(() => parseUserRef(arg, host)).toThrow(new UsageError(message));
  });
});

describe("parseNames and nonEmptyFlag", () => {
  it("splits repeated comma-separated values and trims them", () => {
    expect(parseNames("--roles", ["admin, member", "reader"], "role")).toEqual(["admin", "member", "reader"]);
    expect(parseNames("--databases", undefined)).toEqual([]);
    expect(() => parseNames("--roles", ["admin,"], "role")).toThrow(new UsageError("--roles has an empty role"));
  });

  it("lets an absent flag through and rejects an empty one", () => {
    expect(nonEmptyFlag("--new-name", undefined)).toBeUndefined();
    expect(nonEmptyFlag("--new-name", "x")).toBe("x");
    expect(() => nonEmptyFlag("--new-name", "")).toThrow(new UsageError("--new-name must not be empty"));
  });
});
