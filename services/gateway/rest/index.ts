// REST/JSON for the public API, derived from the google.api.http annotations of the served
// methods: one generic transcoder that calls the router's own handlers, so REST shares every
// interceptor (authentication, validation, error mapping) with Connect, gRPC and gRPC-Web.
export { createRestTranscoder, readBody, restCallKey } from "./transcoder.js";
export type { NodeHandlerFn, NodeServerRequest, RestCallInfo, RestTranscoder, RestTranscoderOptions } from "./transcoder.js";
export { createRouteTable } from "./routes.js";
export type { RestRoute, RouteMatch, RouteTable } from "./routes.js";
export { parsePathTemplate, PathTemplateError } from "./path-template.js";
export type { BoundVariable, PathTemplate, TemplateVariable } from "./path-template.js";
