// The agent's RPC surface: GuestAgentService served over NATS on hoard.agent.<instance_id>.*,
// behind one interceptor that scopes logs and maps errors to Connect codes.
export { registerGuestAgentService, type GuestAgentHandlerDeps } from "./guest-agent.js";
export { createRequestScopeInterceptor } from "./request-scope.js";
export { toPrepareSpec } from "./prepare-spec.js";
