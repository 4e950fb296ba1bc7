// Everything server reflection looks up, indexed once: files by name, fully-qualified symbols
// (services, methods, messages, fields, oneofs, enums, enum values, extensions, nested ones
// too) and extensions by extendee and number, over the served files and all their imports.
import { toBinary, type DescEnum, type DescExtension, type DescFile, type DescMessage, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

/** Lookups answering grpc.reflection requests. */
export interface DescriptorIndex {
  /** Fully-qualified names of the services to list. */
  readonly serviceNames: readonly string[];
  fileByName(name: string): DescFile | undefined;
  fileContainingSymbol(symbol: string): DescFile | undefined;
  fileContainingExtension(extendee: string, number: number): DescFile | undefined;
  /** Extension numbers known for a message type; undefined when the type is unknown. */
  extensionNumbers(typeName: string): number[] | undefined;
  /** The file first, then its transitive imports, each once, serialized as FileDescriptorProto. */
  serializedWithDependencies(file: DescFile): Uint8Array[];
}

/** Indexes the services' files, the extra files, and everything they import. */
export function createDescriptorIndex(services: readonly DescService[], extraFiles: readonly DescFile[] = []): DescriptorIndex {
  const files = new Map<string, DescFile>();
  const symbols = new Map<string, DescFile>();
  const messages = new Set<string>();
  const extensions = new Map<string, Map<number, DescFile>>();

  const addExtension = (ext: DescExtension): void => {
    symbols.set(ext.typeName, ext.file);
    let byNumber = extensions.get(ext.extendee.typeName);
    if (!byNumber) extensions.set(ext.extendee.typeName, (byNumber = new Map()));
    byNumber.set(ext.number, ext.file);
  };
  const addEnum = (e: DescEnum): void => {
    symbols.set(e.typeName, e.file);
    // Enum values are siblings of their enum in protobuf scoping: pkg.VALUE, pkg.Msg.VALUE.
    const scope = e.typeName.slice(0, e.typeName.length - e.name.length);
    for (const v of e.values) symbols.set(scope + v.name, e.file);
  };
  const addMessage = (m: DescMessage): void => {
    symbols.set(m.typeName, m.file);
    messages.add(m.typeName);
    for (const f of m.fields) symbols.set(`${m.typeName}.${f.name}`, m.file);
    for (const o of m.oneofs) symbols.set(`${m.typeName}.${o.name}`, m.file);
    m.nestedMessages.forEach(addMessage);
    m.nestedEnums.forEach(addEnum);
    m.nestedExtensions.forEach(addExtension);
  };
  const addFile = (file: DescFile): void => {
    if (files.has(file.proto.name)) return;
    files.set(file.proto.name, file);
    for (const s of file.services) {
      symbols.set(s.typeName, file);
      for (const m of s.methods) symbols.set(`${s.typeName}.${m.name}`, file);
    }
    file.messages.forEach(addMessage);
    file.enums.forEach(addEnum);
    file.extensions.forEach(addExtension);
    file.dependencies.forEach(addFile);
  };
  services.forEach((s) => addFile(s.file));
  extraFiles.forEach(addFile);

  const serialized = new Map<string, Uint8Array>();
  const serialize = (file: DescFile): Uint8Array => {
    let bytes = serialized.get(file.proto.name);
    if (!bytes) serialized.set(file.proto.name, (bytes = toBinary(FileDescriptorProtoSchema, file.proto)));
    return bytes;
  };

  return {
    serviceNames: [...new Set(services.map((s) => s.typeName))].sort(),
    fileByName: (name) => files.get(name),
    fileContainingSymbol: (symbol) => symbols.get(symbol.startsWith(".") ? symbol.slice(1) : symbol),
    fileContainingExtension: (extendee, number) => extensions.get(stripDot(extendee))?.get(number),
    extensionNumbers(typeName) {
      const name = stripDot(typeName);
      if (!messages.has(name)) return undefined;
      return [...(extensions.get(name)?.keys() ?? [])].sort((a, b) => a - b);
    },
    serializedWithDependencies(file) {
      const out: Uint8Array[] = [];
      const seen = new Set<string>();
      const visit = (f: DescFile): void => {
        if (seen.has(f.proto.name)) return;
        seen.add(f.proto.name);
        out.push(serialize(f));
        f.dependencies.forEach(visit);
      };
      visit(file);
      return out;
    },
  };
}

function stripDot(name: string): string {
  return name.startsWith(".") ? name.slice(1) : name;
}
