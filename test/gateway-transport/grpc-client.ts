// A @grpc/grpc-js client for any protobuf-es method, as a third-party gRPC client would call the
// gateway: a generic client (makeGenericClientConstructor) with protobuf-es serializers, over h2c.
import { fromBinary, toBinary, type DescMessage, type DescMethod, type MessageInitShape, type MessageShape, create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";

type AnyMethod = DescMethod & { input: DescMessage; output: DescMessage };

function definition(method: AnyMethod): grpc.MethodDefinition<unknown, unknown> {
  return {
    path: `/${method.parent.typeName}/${method.name}`,
    requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
    responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
    requestSerialize: (m) => Buffer.from(toBinary(method.input, m as MessageShape<DescMessage>)),
    requestDeserialize: (b: Buffer) => fromBinary(method.input, b),
    responseSerialize: (m) => Buffer.from(toBinary(method.output, m as MessageShape<DescMessage>)),
    responseDeserialize: (b: Buffer) => fromBinary(method.output, b),
  };
}

/** A grpc-js client for one method; close() it when done. */
export function grpcClient(address: string, method: AnyMethod): grpc.Client & Record<string, unknown> {
  const Ctor = grpc.makeGenericClientConstructor({ [method.name]: definition(method) }, method.parent.name);
  return new Ctor(address, grpc.credentials.createInsecure()) as grpc.Client & Record<string, unknown>;
}

/** Calls a unary method; rejects with the grpc-js ServiceError. */
export async function grpcUnary<M extends AnyMethod>(
  address: string,
  method: M,
  request: MessageInitShape<M["input"]>,
  metadata: Record<string, string> = {},
): Promise<MessageShape<M["output"]>> {
  const client = grpcClient(address, method);
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  try {
    return await new Promise((resolve, reject) => {
      const fn = client[method.name] as (req: unknown, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;
      fn.call(client, create(method.input, request), md, (err, res) => (err ? reject(err) : resolve(res as MessageShape<M["output"]>)));
    });
  } finally {
    client.close();
  }
}

/** Runs a bidi stream: writes every request, half-closes, collects every response. */
export async function grpcBidi<M extends AnyMethod>(
  address: string,
  method: M,
  requests: MessageInitShape<M["input"]>[],
): Promise<MessageShape<M["output"]>[]> {
  const client = grpcClient(address, method);
  try {
    return await new Promise((resolve, reject) => {
      const fn = client[method.name] as () => grpc.ClientDuplexStream<unknown, unknown>;
      const call = fn.call(client);
      const out: MessageShape<M["output"]>[] = [];
      call.on("data", (m: MessageShape<M["output"]>) => out.push(m));
      call.on("error", reject);
      call.on("end", () => resolve(out));
      for (const r of requests) call.write(create(method.input, r));
      call.end();
    });
  } finally {
    client.close();
  }
}
