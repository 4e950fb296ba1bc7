// The agent's RPC surface: GuestAgentService served over NATS on hoard.agent.<instance_id>.*,
// behind one interceptor that scopes logs and maps errors to Connect codes.
//
// guest-agent.ts     the service: lifecycle RPCs here, administrative ones from admin.ts
// admin.ts           databases, users, grants, root, through Lifecycle.admin
// admin-requests.ts  / prepare-spec.ts  requests to manager arguments, with the engine's name rules
// request-scope.ts   request id, one log line per call (never the request), error mapping
export { registerGuestAgentService, type GuestAgentHandlerDeps } from "./guest-agent.js";
export { createRequestScopeInterceptor } from "./request-scope.js";
export { toPrepareSpec } from "./prepare-spec.js";
