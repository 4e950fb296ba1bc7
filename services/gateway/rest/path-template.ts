// google.api.http path templates: parse once at start-up, match many times.
//
//   Template = "/" Segments [ Verb ] ;
//   Segments = Segment { "/" Segment } ;
//   Segment  = "*" | "**" | LITERAL | Variable ;
//   Variable = "{" FieldPath [ "=" Segments ] "}" ;
//   Verb     = ":" LITERAL ;
//
// Matching works on the raw (percent-encoded) path; captured values are decoded. A variable bound
// to one segment decodes everything; a multi-segment variable ({name=projects/*/instances/*} or
// "**") keeps "%2F" encoded so the "/" that separate segments stay distinguishable.

/** A path variable of a template: the request field it binds and how much path it spans. */
export interface TemplateVariable {
  /** Field path, e.g. ["id"] or ["instance", "id"]; each part a proto or JSON field name. */
  readonly fieldPath: readonly string[];
  /** True when the variable may span several segments ("**" or more than one segment). */
  readonly multiSegment: boolean;
}

/** A variable's value captured from a request path. */
export interface BoundVariable {
  readonly variable: TemplateVariable;
  readonly value: string;
}

/** A compiled template. */
export interface PathTemplate {
  readonly source: string;
  /** The custom verb ("restart" in "/v1/instances/{id}:restart"), if any. */
  readonly verb: string | undefined;
  readonly variables: readonly TemplateVariable[];
  /** Number of literal segments; more literals make a more specific route. */
  readonly literalCount: number;
  /** Number of "**" segments; they make a route less specific. */
  readonly deepWildcardCount: number;
  /** Matches a raw request path (no query string); undefined when it does not match. */
  match(path: string): BoundVariable[] | undefined;
}

/** A template that does not follow the grammar; names the template and the problem. */
export class PathTemplateError extends Error {
  constructor(template: string, problem: string) {
    super(`invalid path template "${template}": ${problem}`);
    this.name = "PathTemplateError";
  }
}

type Segment = { kind: "literal"; text: string } | { kind: "star" } | { kind: "deep" };

interface Part {
  segments: Segment[];
  variable?: TemplateVariable;
}

const identPattern = /^[A-Za-z_][A-Za-z0-9_]*$/;
// RFC 3986 pchar minus the characters the template grammar reserves.
const literalPattern = /^[A-Za-z0-9._~!$&'()+,;@%-]+$/;

/** Parses a template; throws PathTemplateError when it does not follow the grammar. */
export function parsePathTemplate(source: string): PathTemplate {
  const fail = (problem: string): never => {
    throw new PathTemplateError(source, problem);
  };
  if (!source.startsWith("/")) fail("must start with /");

  // Split off the verb: a ":" outside braces after the last "/" outside braces.
  let depth = 0;
  let lastSlash = -1;
  let verbColon = -1;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "{") depth++;
    else if (c === "}") depth--;
    else if (depth === 0 && c === "/") lastSlash = i;
    else if (depth === 0 && c === ":") verbColon = i;
    if (depth < 0 || depth > 1) fail("unbalanced or nested braces");
  }
  if (depth !== 0) fail("unbalanced braces");
  let verb: string | undefined;
  let body = source.slice(1);
  if (verbColon > lastSlash) {
    verb = source.slice(verbColon + 1);
    if (!literalPattern.test(verb)) fail(`bad verb "${verb}"`);
    body = source.slice(1, verbColon);
  }

  const parts: Part[] = [];
  for (const raw of splitTopLevel(body)) {
    if (raw.startsWith("{")) {
      if (!raw.endsWith("}")) fail(`bad variable "${raw}"`);
      const inner = raw.slice(1, -1);
      const eq = inner.indexOf("=");
      const path = eq < 0 ? inner : inner.slice(0, eq);
      const fieldPath = path.split(".");
      if (!fieldPath.every((p) => identPattern.test(p))) fail(`bad field path "${path}"`);
      const segments = eq < 0 ? [{ kind: "star" } as const] : parseSegments(inner.slice(eq + 1), fail);
      const multiSegment = segments.length > 1 || segments.some((s) => s.kind === "deep");
      parts.push({ segments, variable: { fieldPath, multiSegment } });
    } else {
      parts.push({ segments: parseSegments(raw, fail) });
    }
  }

  const all = parts.flatMap((p) => p.segments);
  const deepAt = all.findIndex((s) => s.kind === "deep");
  if (deepAt >= 0 && deepAt !== all.length - 1) fail(`"**" must be the last segment`);
  const variables = parts.flatMap((p) => (p.variable ? [p.variable] : []));
  const names = new Set(variables.map((v) => v.fieldPath.join(".")));
  if (names.size !== variables.length) fail("a field is bound twice");

  const regex = new RegExp(`^/${parts.map(partToRegex).join("/")}${verb === undefined ? "" : `:${escapeRegex(verb)}`}$`);

  return {
    source,
    verb,
    variables,
    literalCount: all.filter((s) => s.kind === "literal").length,
    deepWildcardCount: deepAt >= 0 ? 1 : 0,
    match(path) {
      const normalized = path.length > 1 && path.endsWith("/") && verb === undefined ? path.slice(0, -1) : path;
      const m = regex.exec(normalized);
      if (!m) return undefined;
      const bound: BoundVariable[] = [];
      for (const [i, variable] of variables.entries()) {
        const raw = m[i + 1] ?? "";
        const value = decodeCapture(raw, variable.multiSegment);
        if (value === undefined) return undefined;
        bound.push({ variable, value });
      }
      return bound;
    },
  };
}

function splitTopLevel(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "{") depth++;
    else if (c === "}") depth--;
    else if (c === "/" && depth === 0) {
      out.push(body.slice(start, i));
      start = i + 1;
    }
  }
  out.push(body.slice(start));
  return out;
}

function parseSegments(text: string, fail: (problem: string) => never): Segment[] {
  return text.split("/").map((s): Segment => {
    if (s === "*") return { kind: "star" };
    if (s === "**") return { kind: "deep" };
    if (s === "") return fail("empty segment");
    if (!literalPattern.test(s)) return fail(`bad literal "${s}"`);
    return { kind: "literal", text: s };
  });
}

function segmentToRegex(s: Segment): string {
  switch (s.kind) {
    case "literal":
      return escapeRegex(s.text);
    case "star":
      return "[^/]+";
    case "deep":
      // One or more segments; greedy, backtracks to leave room for a verb.
      return "[^/]+(?:/[^/]+)*";
  }
}

function partToRegex(p: Part): string {
  const inner = p.segments.map(segmentToRegex).join("/");
  return p.variable ? `(${inner})` : inner;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function decodeCapture(raw: string, multiSegment: boolean): string | undefined {
  try {
    if (!multiSegment) return decodeURIComponent(raw);
    return raw
      .split("/")
      .map((s) => decodeURIComponent(s.replace(/%2F/gi, "%252F")))
      .join("/");
  } catch {
    return undefined; // malformed percent-encoding: treat as no match
  }
}
