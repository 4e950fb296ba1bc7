// gRPC server reflection, v1 and v1alpha (grpcurl, Postman, evans ask either): list the served
// services and hand out FileDescriptorProtos by file name, symbol or extension, each with its
// transitive imports so a client can build the whole schema from one answer.
import { create, fromBinary, toBinary, type DescFile, type DescService } from "@bufbuild/protobuf";
import { Code, type ConnectRouter } from "@connectrpc/connect";
import type { UniversalHandlerOptions } from "@connectrpc/connect/protocol";
import {
  ErrorResponseSchema as ErrorResponseSchemaV1,
  ExtensionNumberResponseSchema as ExtensionNumberResponseSchemaV1,
  FileDescriptorResponseSchema as FileDescriptorResponseSchemaV1,
  ListServiceResponseSchema as ListServiceResponseSchemaV1,
  ServerReflection as ServerReflectionV1,
  ServerReflectionRequestSchema,
  ServerReflectionResponseSchema,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from "../../../gen/proto/grpc/reflection/v1/reflection_pb.js";
import {
  ServerReflection as ServerReflectionV1Alpha,
  ServerReflectionRequestSchema as V1AlphaRequestSchema,
  ServerReflectionResponseSchema as V1AlphaResponseSchema,
} from "../../../gen/proto/grpc/reflection/v1alpha/reflection_pb.js";
import { createDescriptorIndex, type DescriptorIndex } from "./descriptor-index.js";

export interface ReflectionOptions {
  /** Files to describe beyond the services' own (and their imports), e.g. for error detail types. */
  readonly files?: readonly DescFile[];
  /** Handler options for the reflection services, overriding the router's (e.g. interceptors). */
  readonly handlerOptions?: Partial<UniversalHandlerOptions>;
}

/**
 * Serves grpc.reflection.v1 and v1alpha on the router. Lists the given services plus every service
 * the router serves (health, reflection itself), whatever the order of registration: the router is
 * read on the first request, and again whenever it has gained handlers since.
 */
export function registerReflection(router: ConnectRouter, services: readonly DescService[], options: ReflectionOptions = {}): void {
  let index: DescriptorIndex | undefined;
  let indexedHandlers = -1;
  const currentIndex = (): DescriptorIndex => {
    if (!index || indexedHandlers !== router.handlers.length) {
      indexedHandlers = router.handlers.length;
      const served = router.handlers.map((h) => h.service);
      index = createDescriptorIndex([...services, ...served], options.files);
    }
    return index;
  };

  router.service(
    ServerReflectionV1,
    {
      async *serverReflectionInfo(requests, ctx) {
        for await (const req of untilAborted(requests, ctx.signal)) yield answer(currentIndex(), req);
      },
    },
    options.handlerOptions,
  );
  // v1alpha has the same messages under another package: convert through the wire format.
  router.service(
    ServerReflectionV1Alpha,
    {
      async *serverReflectionInfo(requests, ctx) {
        for await (const req of untilAborted(requests, ctx.signal)) {
          const v1 = fromBinary(ServerReflectionRequestSchema, toBinary(V1AlphaRequestSchema, req));
          yield fromBinary(V1AlphaResponseSchema, toBinary(ServerReflectionResponseSchema, answer(currentIndex(), v1)));
        }
      },
    },
    options.handlerOptions,
  );
}

/** Answers one reflection request. */
export function answer(index: DescriptorIndex, req: ServerReflectionRequest): ServerReflectionResponse {
  const respond = (messageResponse: ServerReflectionResponse["messageResponse"]): ServerReflectionResponse =>
    create(ServerReflectionResponseSchema, { validHost: req.host, originalRequest: req, messageResponse });
  const error = (code: Code, message: string): ServerReflectionResponse =>
    respond({ case: "errorResponse", value: create(ErrorResponseSchemaV1, { errorCode: code, errorMessage: message }) });
  const files = (file: DescFile | undefined, what: string): ServerReflectionResponse =>
    file
      ? respond({
          case: "fileDescriptorResponse",
          value: create(FileDescriptorResponseSchemaV1, { fileDescriptorProto: index.serializedWithDependencies(file) }),
        })
      : error(Code.NotFound, `${what} not found`);

  const r = req.messageRequest;
  switch (r.case) {
    case "listServices":
      return respond({
        case: "listServicesResponse",
        value: create(ListServiceResponseSchemaV1, { service: index.serviceNames.map((name) => ({ name })) }),
      });
    case "fileByFilename":
      return files(index.fileByName(r.value), `file "${r.value}"`);
    case "fileContainingSymbol":
      return files(index.fileContainingSymbol(r.value), `symbol "${r.value}"`);
    case "fileContainingExtension":
      return files(
        index.fileContainingExtension(r.value.containingType, r.value.extensionNumber),
        `extension ${r.value.extensionNumber} of "${r.value.containingType}"`,
      );
    case "allExtensionNumbersOfType": {
      const numbers = index.extensionNumbers(r.value);
      if (!numbers) return error(Code.NotFound, `type "${r.value}" not found`);
      return respond({
        case: "allExtensionNumbersResponse",
        value: create(ExtensionNumberResponseSchemaV1, { baseTypeName: r.value.replace(/^\./, ""), extensionNumber: numbers }),
      });
    }
    default:
      return error(Code.InvalidArgument, "empty reflection request");
  }
}

/** Iterates until the source ends or the signal aborts (server shutdown, client gone). */
async function* untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  const aborted = new Promise<IteratorResult<T>>((resolve) => {
    if (signal.aborted) resolve({ done: true, value: undefined });
    signal.addEventListener("abort", () => resolve({ done: true, value: undefined }), { once: true });
  });
  try {
    for (;;) {
      const next = await Promise.race([it.next(), aborted]);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    void it.return?.()?.catch(() => undefined);
  }
}
