// A tiny gateway for transport tests: FlavorService and InstanceService over in-memory data,
// behind an authentication interceptor (Bearer good) and a protovalidate interceptor, with
// health and reflection registered as the real gateway does.
import { create, type DescService } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createValidator } from "@bufbuild/protovalidate";
import { Code, ConnectError, type ConnectRouter, type Interceptor } from "@connectrpc/connect";
import { pino } from "pino";
import { FlavorSchema, FlavorService, type Flavor } from "../../gen/proto/hoard/v1/flavor_pb.js";
import { InstanceSchema, InstanceService, InstanceStatus, type Instance } from "../../gen/proto/hoard/v1/instance_pb.js";
import { createHealthService, type HealthService } from "../../services/gateway/health/index.js";
import { registerReflection } from "../../services/gateway/reflection/index.js";
import { restCallKey, type RestCallInfo } from "../../services/gateway/rest/index.js";
import { startGatewayServer, type GatewayServer, type GatewayServerOptions } from "../../services/gateway/server/index.js";

export const goodToken = "Bearer good";

export const flavors: Flavor[] = [
  create(FlavorSchema, { id: "1", name: "small", vcpus: 1, ramMb: 1024 }),
  create(FlavorSchema, { id: "2", name: "medium", vcpus: 2, ramMb: 4096 }),
];

export const instance: Instance = create(InstanceSchema, {
  id: "i-1",
  name: "db1",
  projectId: "p-1",
  status: InstanceStatus.ACTIVE,
  datastore: "postgresql",
  datastoreVersion: "15",
  volume: { sizeGb: 2, kind: "directory", usedBytes: 123n },
  createdAt: timestampFromDate(new Date("2025-01-02T03:04:05Z")),
});

const openServices = new Set(["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"]);

/** What the interceptor saw of each call, to prove every surface goes through it. */
export interface SeenCall {
  rpc: string;
  contentType: string;
  rest: RestCallInfo | undefined;
}

function routes(health: HealthService, services: readonly DescService[]) {
  return (router: ConnectRouter): void => {
    router.service(FlavorService, {
      listFlavors: () => ({ flavors }),
      getFlavor(req) {
        const found = flavors.find((f) => f.id === req.id || f.name === req.id);
        if (!found) throw new ConnectError(`flavor "${req.id}" not found`, Code.NotFound);
        return { flavor: found };
      },
    });
    router.service(InstanceService, {
      async getInstance(req) {
        // "slow" answers after 200 ms: for the graceful-drain test.
        if (req.id === "slow") {
          await new Promise((resolve) => setTimeout(resolve, 200));
          return { instance };
        }
        if (req.id !== instance.id && req.id !== instance.name) throw new ConnectError(`instance "${req.id}" not found`, Code.NotFound);
        return { instance };
      },
      restartInstance(req) {
        if (req.id !== instance.id) throw new ConnectError(`instance "${req.id}" not found`, Code.NotFound);
        return { instance: { ...instance, status: InstanceStatus.REBOOT } };
      },
      listInstances(req) {
        // Echoes the paging input so tests can see how query parameters were parsed.
        const size = req.pageSize === 0 ? 50 : req.pageSize;
        return { instances: [instance].slice(0, size), nextPageToken: `size=${req.pageSize};token=${req.pageToken}` };
      },
      // Hangs until the server aborts it: for the drain-deadline test.
      async deleteInstance(_req, ctx) {
        await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
        throw ConnectError.from(ctx.signal.reason);
      },
      createInstance(req) {
        return { instance: { ...instance, name: req.name, status: InstanceStatus.BUILD } };
      },
    });
    health.register(router);
    registerReflection(router, services);
  };
}

function interceptors(calls: SeenCall[]): Interceptor[] {
  const validator = createValidator();
  const record: Interceptor = (next) => async (req) => {
    calls.push({ rpc: `${req.service.typeName}/${req.method.name}`, contentType: req.header.get("content-type") ?? "", rest: req.contextValues.get(restCallKey) });
    const res = await next(req);
    res.header.set("x-seen-by", "interceptor");
    return res;
  };
  const authenticate: Interceptor = (next) => async (req) => {
    if (!openServices.has(req.service.typeName) && req.header.get("authorization") !== goodToken) {
      throw new ConnectError("missing or invalid bearer token", Code.Unauthenticated);
    }
    return next(req);
  };
  const validate: Interceptor = (next) => async (req) => {
    if (!req.stream) {
      const result = validator.validate(req.method.input, req.message);
      if (result.kind === "invalid") {
        throw new ConnectError(result.violations.map((v) => v.toString()).join("; "), Code.InvalidArgument);
      }
    }
    return next(req);
  };
  return [record, authenticate, validate];
}

export interface Fixture {
  server: GatewayServer;
  health: HealthService;
  calls: SeenCall[];
  baseUrl: string;
  address: string;
}

/** Starts the fixture gateway on a free port. */
export async function startFixture(overrides: Partial<GatewayServerOptions> = {}): Promise<Fixture> {
  const calls: SeenCall[] = [];
  const health = createHealthService();
  const services = [FlavorService, InstanceService];
  const server = await startGatewayServer({
    host: "127.0.0.1",
    port: 0,
    services,
    routes: routes(health, services),
    interceptors: interceptors(calls),
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    health,
    ...overrides,
  });
  for (const s of services) health.setStatus(s.typeName, "SERVING");
  const address = `${server.address.host}:${server.address.port}`;
  return { server, health, calls, baseUrl: `http://${address}`, address };
}
