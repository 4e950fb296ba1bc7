// Builds the RPC request message of a REST call: the JSON body first, then query parameters, then
// path variables (the path wins, as in Google's transcoding). Every value goes through protobuf-es
// JSON parsing, so a REST field accepts exactly what the protobuf JSON mapping accepts.
import {
  create,
  mergeFromJson,
  ScalarType,
  type DescField,
  type DescMessage,
  type JsonObject,
  type JsonReadOptions,
  type JsonValue,
  type Message,
} from "@bufbuild/protobuf";
import { resolveFieldChain } from "./field-path.js";
import type { BoundVariable } from "./path-template.js";
import type { RestRoute } from "./routes.js";

/** A REST request the route cannot turn into an RPC request; the message is safe to show. */
export class RestRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RestRequestError";
  }
}

/** Assembles the request message; throws RestRequestError naming the offending input. */
export function buildRequestMessage(
  route: RestRoute,
  variables: readonly BoundVariable[],
  query: URLSearchParams,
  body: JsonValue | undefined,
  jsonOptions: Partial<JsonReadOptions>,
): Message {
  const input = route.method.input;
  const message = create(input);
  const merge = (json: JsonValue, what: string): void => {
    try {
      mergeFromJson(input, message, json, jsonOptions);
    } catch (e) {
      throw new RestRequestError(`${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  if (body !== undefined) {
    if (route.body === "*") {
      merge(body, "invalid request body");
    } else if (route.body !== "") {
      const field = input.fields.find((f) => f.name === route.body);
      if (field) merge({ [field.jsonName]: body }, "invalid request body");
    } else if (!isEmptyObject(body)) {
      throw new RestRequestError(`${route.httpMethod} ${route.template.source} takes no request body`);
    }
  }

  const pathFields = new Set(
    variables.map((v) => resolveFieldChain(input, v.variable.fieldPath)?.at(-1)).filter((f) => f !== undefined),
  );
  const bodyField = route.body !== "" && route.body !== "*" ? input.fields.find((f) => f.name === route.body) : undefined;
  for (const name of new Set(query.keys())) {
    const chain = route.body === "*" ? undefined : resolveFieldChain(input, name.split("."));
    const field = chain?.at(-1);
    if (!chain || !field) throw new RestRequestError(`unknown query parameter "${name}"`);
    if (pathFields.has(field)) throw new RestRequestError(`query parameter "${name}" is already bound by the path`);
    if (chain[0] === bodyField) throw new RestRequestError(`query parameter "${name}" belongs in the request body`);
    merge(nest(chain, leafJson(field, query.getAll(name), `query parameter "${name}"`)), `query parameter "${name}"`);
  }

  for (const { variable, value } of variables) {
    const chain = resolveFieldChain(input, variable.fieldPath);
    const field = chain?.at(-1);
    const name = variable.fieldPath.join(".");
    if (!chain || !field) throw new RestRequestError(`path variable "${name}" names no field`);
    merge(nest(chain, leafJson(field, [value], `path variable "${name}"`)), `path variable "${name}"`);
  }
  return message;
}

function isEmptyObject(json: JsonValue): boolean {
  return json !== null && typeof json === "object" && !Array.isArray(json) && Object.keys(json).length === 0;
}

/** Wraps a leaf value in objects keyed by the JSON names along the chain: {a: {b: value}}. */
function nest(chain: readonly DescField[], value: JsonValue): JsonObject {
  let json: JsonValue = value;
  for (let i = chain.length - 1; i >= 0; i--) {
    const field = chain[i];
    if (field) json = { [field.jsonName]: json };
  }
  return json as JsonObject;
}

/** The JSON value for a field given as strings (query or path), or RestRequestError. */
function leafJson(field: DescField, values: readonly string[], what: string): JsonValue {
  switch (field.fieldKind) {
    case "list":
      return values.map((v) => elementJson(field.listKind, field.scalar, field.message, v, what));
    case "map":
      throw new RestRequestError(`${what}: map fields cannot be set from the URL`);
    default:
      if (values.length !== 1) throw new RestRequestError(`${what}: given ${values.length} times but is not repeated`);
      return elementJson(field.fieldKind, field.scalar, field.message, values[0] ?? "", what);
  }
}

function elementJson(
  kind: "scalar" | "enum" | "message",
  scalar: ScalarType | undefined,
  message: DescMessage | undefined,
  raw: string,
  what: string,
): JsonValue {
  if (kind === "enum") return /^-?\d+$/.test(raw) ? Number(raw) : raw;
  if (kind === "message") {
    // Only well-known types have a JSON form a URL can carry (Timestamp, Duration, FieldMask,
    // wrappers); numbers are accepted as strings by the protobuf JSON mapping.
    if (!message || !urlMessageTypes.has(message.typeName)) {
      throw new RestRequestError(`${what}: message fields cannot be set from the URL`);
    }
    return message.typeName === "google.protobuf.BoolValue" ? parseBool(raw, what) : raw;
  }
  // Numbers, 64-bit integers and base64 bytes are valid protobuf JSON as strings.
  return scalar === ScalarType.BOOL ? parseBool(raw, what) : raw;
}

/** Well-known types whose JSON form is a string, number or boolean. */
const urlMessageTypes = new Set(
  ["Timestamp", "Duration", "FieldMask", "DoubleValue", "FloatValue", "Int64Value", "UInt64Value", "Int32Value", "UInt32Value", "BoolValue", "StringValue", "BytesValue"].map(
    (n) => `google.protobuf.${n}`,
  ),
);

function parseBool(raw: string, what: string): boolean {
  switch (raw.toLowerCase()) {
    case "true":
    case "1":
      return true;
    case "false":
    case "0":
      return false;
    default:
      throw new RestRequestError(`${what}: expected true or false, got "${raw}"`);
  }
}
