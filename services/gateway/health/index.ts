// The standard gRPC health service (grpc.health.v1.Health: Check and Watch) with a setter the
// gateway's wiring uses to mark the server and each public service SERVING or NOT_SERVING.
export { createHealthService, ServingStatus } from "./health-service.js";
export type { HealthService, HealthServiceOptions, ServingStatusName } from "./health-service.js";
