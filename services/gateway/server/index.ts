// The gateway's single port: Connect, gRPC, gRPC-Web and REST/JSON over HTTP/1.1 and h2c, with a
// close() that drains and never hangs. The RPC handlers come from the caller's routes.
export { startGatewayServer } from "./gateway-server.js";
export type { GatewayServer, GatewayServerOptions, HttpMount } from "./gateway-server.js";
export { startDualListener } from "./listener.js";
export type { DualListener, DualListenerOptions, Http1Options } from "./listener.js";
