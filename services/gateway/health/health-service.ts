// grpc.health.v1.Health: what load balancers, Kubernetes probes and grpc-health-probe ask. The
// owner of the process decides what is SERVING; this module only answers and notifies watchers.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import type { UniversalHandlerOptions } from "@connectrpc/connect/protocol";
import {
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthCheckResponseSchema,
  type HealthCheckResponse,
} from "../../../gen/proto/grpc/health/v1/health_pb.js";

export { ServingStatus };

/** A status by its proto name, for callers that would rather not import the enum. */
export type ServingStatusName = keyof typeof ServingStatus;

/** The health service of one server. */
export interface HealthService {
  /** Serves grpc.health.v1.Health on the router; options override the router's (e.g. interceptors). */
  register(router: ConnectRouter, options?: Partial<UniversalHandlerOptions>): void;
  /** Sets a service's status ("" is the server as a whole); watchers hear of every change. */
  setStatus(service: string, status: ServingStatus | ServingStatusName): void;
  /** Current status of a service, SERVICE_UNKNOWN when never set. */
  getStatus(service: string): ServingStatus;
  /**
   * Marks every service NOT_SERVING, ignores later updates and ends Watch streams, so a server
   * shutting down is not held open by watchers (as grpc-go's Server.Shutdown).
   */
  shutdown(): void;
}

export interface HealthServiceOptions {
  /** Initial statuses; default: "" (the whole server) SERVING, as grpc-go starts. */
  readonly initial?: Readonly<Record<string, ServingStatus | ServingStatusName>>;
}

/** Creates the health service; register it on the router that serves the other services. */
export function createHealthService(options: HealthServiceOptions = {}): HealthService {
  const statuses = new Map<string, ServingStatus>();
  for (const [service, status] of Object.entries(options.initial ?? { "": ServingStatus.SERVING })) {
    statuses.set(service, toStatus(status));
  }
  const listeners = new Set<() => void>();
  let shutDown = false;
  const notify = (): void => listeners.forEach((l) => l());

  const getStatus = (service: string): ServingStatus => statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN;

  /** Resolves on the next change, shutdown or abort. */
  const nextChange = (signal: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        listeners.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      listeners.add(done);
      signal.addEventListener("abort", done);
    });

  return {
    register(router, handlerOptions) {
      router.service(
        Health,
        {
          check(req): HealthCheckResponse {
            const status = statuses.get(req.service);
            if (status === undefined) throw new ConnectError(`unknown service "${req.service}"`, Code.NotFound);
            return create(HealthCheckResponseSchema, { status });
          },
          async *watch(req, ctx) {
            let sent: ServingStatus | undefined;
            for (;;) {
              const status = getStatus(req.service);
              if (status !== sent) {
                sent = status;
                yield create(HealthCheckResponseSchema, { status });
              }
              if (shutDown || ctx.signal.aborted) return;
              await nextChange(ctx.signal);
            }
          },
        },
        handlerOptions,
      );
    },
    setStatus(service, status) {
      if (shutDown) return;
      statuses.set(service, toStatus(status));
      notify();
    },
    getStatus,
    shutdown() {
      if (shutDown) return;
      for (const service of statuses.keys()) statuses.set(service, ServingStatus.NOT_SERVING);
      shutDown = true;
      notify();
    },
  };
}

function toStatus(status: ServingStatus | ServingStatusName): ServingStatus {
  return typeof status === "number" ? status : ServingStatus[status];
}
