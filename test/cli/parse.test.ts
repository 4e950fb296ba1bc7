// The flag and argument parsers the commands share: the NAME@HOST user form, name lists and a
// configuration group's values.
import { describe, expect, it } from "vitest";
import { UsageError } from "../../cli/errors.js";
import { nonEmptyFlag, parseNames, parseUserRef, parseValueFlags } from "../../cli/parse.js";

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

describe("parseValueFlags", () => {
  it("is undefined when no flag is given, and {} for an empty --values", () => {
    expect(parseValueFlags({})).toBeUndefined();
    expect(parseValueFlags({ values: "{}" })).toEqual({});
  });

  it("keeps --values typed, --set as text (split on the first '='), --unset as null", () => {
    expect(
      parseValueFlags({
        values: '{"max_connections": 200, "ssl": true, "search_path": "app"}',
        set: ["work_mem=64MB", "application_name=a=b", "empty="],
        unset: [" log_min_duration_statement "],
      }),
    ).toEqual({
      max_connections: 200,
      ssl: true,
      search_path: "app",
      work_mem: "64MB",
      application_name: "a=b",
      empty: "",
      log_min_duration_statement: null,
    });
  });

  it.each([
    [{ set: ["work_mem"] }, `--set "work_mem" must be key=value (no '=' found)`],
    [{ set: [" =1"] }, `--set " =1" must be key=value (no key before '=')`],
    [{ unset: [""] }, `--unset takes a parameter name, got ""`],
    [{ values: "null" }, `--values must be a JSON object, e.g. '{"max_connections": 200}'`],
    [{ values: '{"a": 1}', unset: ["a"] }, `parameter "a" is given twice (--values and --unset)`],
  ])("rejects %j", (flags, message) => {
    expect(() => parseValueFlags(flags)).toThrow(new UsageError(message));
  });

  it("names the VALUES argument when that is where the JSON came from", () => {
    expect(() => parseValueFlags({ values: "[]" }, "VALUES")).toThrow(
      new UsageError(`VALUES must be a JSON object, e.g. '{"max_connections": 200}'`),
    );
  });
});
