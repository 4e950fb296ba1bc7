// gRPC server reflection (grpc.reflection.v1 and v1alpha) for grpcurl and friends: list, describe
// and call the gateway's services by name without a copy of the protos.
export { registerReflection, answer as answerReflectionRequest } from "./reflection-service.js";
export type { ReflectionOptions } from "./reflection-service.js";
export { createDescriptorIndex } from "./descriptor-index.js";
export type { DescriptorIndex } from "./descriptor-index.js";
