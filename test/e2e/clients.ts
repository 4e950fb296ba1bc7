// Clients a user would use against the gateway: @grpc/grpc-js (gRPC over h2c), connect-es
// (Connect protocol) and curl (REST/JSON), each carrying the bearer token.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fromBinary, toBinary, type DescMessage, type DescService, type MessageInitShape, type MessageShape, create } from "@bufbuild/protobuf";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { InstanceService } from "../../gen/proto/hoard/v1/instance_pb.js";

const run = promisify(execFile);

/** A Connect client of any public service, carrying the token. */
export function serviceClient<S extends DescService>(service: S, url: string, token: string) {
  const auth: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
  return createClient(service, createConnectTransport({ baseUrl: url, httpVersion: "1.1", interceptors: [auth] }));
}

export function connectClient(url: string, token: string) {
  return serviceClient(InstanceService, url, token);
}

/** A unary call through @grpc/grpc-js, with protobuf-es doing the (de)serialisation. */
export function grpcCall<I extends DescMessage, O extends DescMessage>(
  address: string,
  token: string,
  path: string,
  input: I,
  output: O,
  message: MessageInitShape<I>,
): Promise<MessageShape<O>> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  if (token) metadata.set("authorization", `Bearer ${token}`);
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      path,
      (m: MessageShape<I>) => Buffer.from(toBinary(input, m)),
      (b: Buffer) => fromBinary(output, b),
      create(input, message),
      metadata,
      { deadline: Date.now() + 30_000 },
      (err, value) => {
        client.close();
        if (err || !value) reject(err ?? new Error("no response"));
        else resolve(value);
      },
    );
  });
}

/** curl as a user would type it; returns the HTTP status and the parsed JSON body. */
export async function curl(method: string, url: string, token: string | undefined, body?: unknown) {
  const args = ["-sS", "-X", method, "-w", "\n%{http_code}", "-H", "content-type: application/json"];
  if (token) args.push("-H", `Authorization: Bearer ${token}`);
  if (body !== undefined) args.push("--data-binary", typeof body === "string" ? body : JSON.stringify(body));
  args.push(url);
  const { stdout } = await run("curl", args, { timeout: 60_000 });
  const cut = stdout.lastIndexOf("\n");
  const text = stdout.slice(0, cut);
  return { status: Number(stdout.slice(cut + 1)), json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
