// The REST route table, derived from the google.api.http annotations of the served methods. No
// route is written by hand: a method without an annotation has no REST route.
import { getOption, hasOption, type DescField, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { http } from "../../../gen/proto/google/api/annotations_pb.js";
import type { HttpRule } from "../../../gen/proto/google/api/http_pb.js";
import { resolveFieldChain } from "./field-path.js";
import { parsePathTemplate, type BoundVariable, type PathTemplate } from "./path-template.js";

/** One HTTP binding of one RPC. */
export interface RestRoute {
  /** Upper-case HTTP method, e.g. "GET". */
  readonly httpMethod: string;
  readonly template: PathTemplate;
  readonly method: DescMethod;
  /** "" (no body), "*" (the whole request) or the name of the request field the body fills. */
  readonly body: string;
  /** The response field sent as the body; undefined sends the whole response. */
  readonly responseBody: DescField | undefined;
}

/** Result of matching a request against the table. */
export type RouteMatch =
  | { kind: "matched"; route: RestRoute; variables: BoundVariable[] }
  | { kind: "method-not-allowed"; allow: string[] }
  | { kind: "not-found" };

/** The routes of a set of services, most specific first. */
export interface RouteTable {
  readonly routes: readonly RestRoute[];
  /** Methods with an http annotation that REST cannot serve (streaming), for a start-up warning. */
  readonly skipped: readonly DescMethod[];
  match(httpMethod: string, path: string): RouteMatch;
}

/** Builds the table; throws on an annotation that cannot work (bad template, unknown field). */
export function createRouteTable(services: readonly DescService[]): RouteTable {
  const routes: RestRoute[] = [];
  const skipped: DescMethod[] = [];
  const seen = new Set<string>();
  for (const service of services) {
    for (const method of service.methods) {
      if (!hasOption(method, http)) continue;
      if (method.methodKind !== "unary") {
        skipped.push(method);
        continue;
      }
      const rule = getOption(method, http);
      for (const binding of [rule, ...rule.additionalBindings]) {
        const route = routeFromRule(method, binding);
        const key = `${route.httpMethod} ${route.template.source}`;
        if (seen.has(key)) throw new Error(`duplicate REST route ${key} (${method.parent.typeName}.${method.name})`);
        seen.add(key);
        routes.push(route);
      }
    }
  }
  routes.sort(bySpecificity);

  return {
    routes,
    skipped,
    match(httpMethod, path) {
      const allow = new Set<string>();
      for (const route of routes) {
        const variables = route.template.match(path);
        if (!variables) continue;
        if (route.httpMethod === httpMethod) return { kind: "matched", route, variables };
        allow.add(route.httpMethod);
      }
      return allow.size > 0 ? { kind: "method-not-allowed", allow: [...allow].sort() } : { kind: "not-found" };
    },
  };
}

function routeFromRule(method: DescMethod, rule: HttpRule): RestRoute {
  const where = `${method.parent.typeName}.${method.name}`;
  let httpMethod: string;
  let path: string;
  switch (rule.pattern.case) {
    case "get":
    case "put":
    case "post":
    case "delete":
    case "patch":
      httpMethod = rule.pattern.case.toUpperCase();
      path = rule.pattern.value;
      break;
    case "custom":
      httpMethod = rule.pattern.value.kind.toUpperCase();
      path = rule.pattern.value.path;
      break;
    default:
      throw new Error(`${where}: google.api.http binding without a pattern`);
  }
  const template = parsePathTemplate(path);
  for (const v of template.variables) {
    const field = resolveFieldChain(method.input, v.fieldPath)?.at(-1);
    if (!field) throw new Error(`${where}: path variable "${v.fieldPath.join(".")}" names no field of ${method.input.typeName}`);
    if (field.fieldKind !== "scalar" && field.fieldKind !== "enum") {
      throw new Error(`${where}: path variable "${v.fieldPath.join(".")}" must be a singular scalar or enum field`);
    }
  }
  if (rule.body !== "" && rule.body !== "*" && !method.input.fields.some((f) => f.name === rule.body)) {
    throw new Error(`${where}: body "${rule.body}" names no field of ${method.input.typeName}`);
  }
  let responseBody: DescField | undefined;
  if (rule.responseBody !== "") {
    responseBody = method.output.fields.find((f) => f.name === rule.responseBody);
    if (!responseBody) throw new Error(`${where}: response_body "${rule.responseBody}" names no field of ${method.output.typeName}`);
  }
  return { httpMethod, template, method, body: rule.body, responseBody };
}

// Verb routes first (so "/x/{id}:restart" wins over "/x/{id}"), then more literal segments, then
// fewer "**" wildcards; ties keep declaration order (Array.prototype.sort is stable).
function bySpecificity(a: RestRoute, b: RestRoute): number {
  const verb = Number(b.template.verb !== undefined) - Number(a.template.verb !== undefined);
  if (verb !== 0) return verb;
  const literals = b.template.literalCount - a.template.literalCount;
  if (literals !== 0) return literals;
  return a.template.deepWildcardCount - b.template.deepWildcardCount;
}
