/**
 * Vendors protovalidate's rules proto as
 * proto/third_party/buf/validate/validate.proto, so that our own .proto files
 * can `import "buf/validate/validate.proto";`.
 *
 * The npm package @bufbuild/protovalidate does not ship the .proto file, but
 * its generated code embeds the complete FileDescriptorProto. This script loads
 * that descriptor and prints it back as proto source: the same messages, enums,
 * fields, numbers, extensions, reserved ranges and options (including the
 * `(buf.validate.predefined)` CEL rules), so the result compiles to an
 * equivalent, wire-compatible descriptor. Source comments are not part of a
 * descriptor and cannot be recovered.
 *
 * Run it again after upgrading @bufbuild/protovalidate:
 *
 *   npx tsx scripts/vendor-validate-proto.ts            # write the file
 *   npx tsx scripts/vendor-validate-proto.ts --stdout   # print it instead
 *
 * It fails loudly on descriptor features it does not know how to print
 * (editions, services, maps, groups, options it cannot resolve) instead of
 * silently dropping them.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createRegistry,
  getExtension,
  hasExtension,
  isFieldSet,
  ScalarType,
  type DescExtension,
  type DescField,
  type DescFile,
  type DescMessage,
  type Message,
} from "@bufbuild/protobuf";
import { protoCamelCase } from "@bufbuild/protobuf/reflect";
import { toText } from "@bufbuild/protobuf/txtpb";
import {
  EnumOptionsSchema,
  EnumValueOptionsSchema,
  ExtensionRangeOptionsSchema,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  FieldDescriptorProtoSchema,
  FieldOptionsSchema,
  FileOptionsSchema,
  MessageOptionsSchema,
  OneofOptionsSchema,
  type DescriptorProto,
  type EnumDescriptorProto,
  type FieldDescriptorProto,
} from "@bufbuild/protobuf/wkt";

// ---------------------------------------------------------------------------
// Load the embedded descriptor.
//
// The package's "exports" map only exposes its index, which does not re-export
// the generated descriptor. Export maps only restrict bare specifiers, so we
// resolve the entry point and import the generated file that sits next to it.
// ---------------------------------------------------------------------------

const PKG = "@bufbuild/protovalidate";
const entryUrl = import.meta.resolve(PKG); // .../dist/esm/index.js
const genUrl = new URL("./gen/buf/validate/validate_pb.js", entryUrl);
const pkgVersion = (JSON.parse(readFileSync(new URL("../../package.json", entryUrl), "utf8")) as { version: string })
  .version;
const { file_buf_validate_validate: file } = (await import(genUrl.href)) as { file_buf_validate_validate: DescFile };
const proto = file.proto;

// Extensions (custom options) are looked up here; type names are resolved
// against everything the file can see.
const registry = createRegistry(file, ...file.dependencies);

const OUT_PATH = fileURLToPath(new URL("../proto/third_party/buf/validate/validate.proto", import.meta.url));
const MAX_FIELD_NUMBER = 536_870_911; // 2^29 - 1, spelled `max` in ranges
const syntax = proto.syntax || "proto2";
if (syntax !== "proto2" && syntax !== "proto3") {
  throw new Error(`unsupported syntax "${syntax}" (editions are not handled by this script)`);
}
if (proto.service.length > 0) throw new Error("services are not handled by this script");

// ---------------------------------------------------------------------------
// Output helpers
// ---------------------------------------------------------------------------

const out: string[] = [];
let depth = 0;

/** Appends a (possibly multi-line) statement at the current indentation. */
function line(text = ""): void {
  for (const l of text.split("\n")) out.push(l === "" ? "" : "  ".repeat(depth) + l);
}

function block(head: string, body: () => void): void {
  line(`${head} {`);
  depth++;
  body();
  depth--;
  line("}");
}

function indent(text: string): string {
  return text.replace(/^(?=.)/gm, "  ");
}

/** A proto string literal; bytes outside printable ASCII are octal-escaped. */
function quote(value: string | Uint8Array): string {
  const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value;
  let s = "";
  for (const b of bytes) {
    if (b === 0x22) s += '\\"';
    else if (b === 0x5c) s += "\\\\";
    else if (b === 0x0a) s += "\\n";
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += "\\" + b.toString(8).padStart(3, "0");
  }
  return `"${s}"`;
}

// ---------------------------------------------------------------------------
// Type references: print the shortest name that resolves to the same type
// under protobuf's scoping rules (innermost scope first).
// ---------------------------------------------------------------------------

const knownNames = new Set<string>();
for (const desc of registry) {
  knownNames.add(desc.typeName);
  const parts = desc.typeName.split(".");
  for (let i = 1; i < parts.length; i++) knownNames.add(parts.slice(0, i).join(".")); // packages, parents
}

/** Where a (possibly dotted) relative type name written in `scope` resolves to. */
function resolveName(name: string, scope: string): string | undefined {
  const first = name.split(".", 1)[0] ?? name;
  for (let s = scope; ; s = s.includes(".") ? s.slice(0, s.lastIndexOf(".")) : "") {
    const candidate = s ? `${s}.${first}` : first;
    if (knownNames.has(candidate)) return s ? `${s}.${name}` : name;
    if (s === "") return undefined;
  }
}

/** `fullName` as written in a descriptor (".pkg.Type"), `scope` the enclosing message or package. */
function typeRef(fullName: string, scope: string): string {
  const target = fullName.replace(/^\./, "");
  const parts = target.split(".");
  for (let i = parts.length - 1; i >= 0; i--) {
    const candidate = parts.slice(i).join(".");
    if (resolveName(candidate, scope) === target) return candidate;
  }
  return `.${target}`;
}

// ---------------------------------------------------------------------------
// Options: standard fields by name, custom options (extensions) as `(full.name)`.
// ---------------------------------------------------------------------------

function formatValue(field: DescField | DescExtension, value: unknown): string {
  const kind = field.fieldKind === "list" ? field.listKind : field.fieldKind;
  if (kind === "message") {
    const text = toText(field.message!, value as Message, { registry });
    return text === "" ? "{}" : `{\n${indent(text)}}`;
  }
  if (kind === "enum") {
    return field.enum!.values.find((v) => v.number === value)?.name ?? String(value);
  }
  if (kind === "scalar") {
    switch (field.scalar!) {
      case ScalarType.STRING:
      case ScalarType.BYTES:
        return quote(value as string | Uint8Array);
      case ScalarType.FLOAT:
      case ScalarType.DOUBLE: {
        const n = value as number;
        return Number.isNaN(n) ? "nan" : n === Infinity ? "inf" : n === -Infinity ? "-inf" : String(n);
      }
      default:
        return String(value); // integers (number or bigint), bool
    }
  }
  throw new Error(`cannot print option ${field.name} of kind ${kind}`);
}

/** `name = value` entries for every option set in `options`. */
function optionEntries(schema: DescMessage, options: Message | undefined): string[] {
  if (options === undefined) return [];
  const entries: string[] = [];
  const record = options as unknown as Record<string, unknown>;
  for (const field of schema.fields) {
    if (field.name === "uninterpreted_option" || !isFieldSet(options, field)) continue;
    const value = record[field.localName];
    for (const v of field.fieldKind === "list" ? (value as unknown[]) : [value]) {
      entries.push(`${field.name} = ${formatValue(field, v)}`);
    }
  }
  const printed = new Set<number>();
  for (const ext of registry) {
    if (ext.kind !== "extension" || ext.extendee.typeName !== schema.typeName) continue;
    if (!hasExtension(options, ext)) continue;
    printed.add(ext.number);
    const value = getExtension(options, ext);
    for (const v of ext.fieldKind === "list" ? (value as unknown[]) : [value]) {
      entries.push(`(${ext.typeName}) = ${formatValue(ext, v)}`);
    }
  }
  const unknown = (options.$unknown ?? []).filter((u) => !printed.has(u.no));
  if (unknown.length > 0) {
    throw new Error(`${schema.typeName} has options this script cannot resolve: ${unknown.map((u) => u.no).join(", ")}`);
  }
  return entries;
}

/** `option x = y;` statements (file, message, enum and oneof level). */
function optionStatements(schema: DescMessage, options: Message | undefined): void {
  for (const entry of optionEntries(schema, options)) line(`option ${entry};`);
}

/** ` [x = y, ...]` suffix (field, enum value and extension range level). */
function compactOptions(entries: string[]): string {
  return entries.length > 0 ? ` [${entries.join(", ")}]` : "";
}

// ---------------------------------------------------------------------------
// Declarations
// ---------------------------------------------------------------------------

function ranges(list: { start: number; end: number }[], endExclusive: boolean): string {
  return list
    .map(({ start, end }) => {
      const last = endExclusive ? end - 1 : end;
      if (last === start) return String(start);
      return `${start} to ${last === MAX_FIELD_NUMBER ? "max" : last}`;
    })
    .join(", ");
}

function fieldStatement(f: FieldDescriptorProto, scope: string, opts: { inOneof: boolean; isExtension: boolean }): string {
  let label = "";
  if (!opts.inOneof) {
    if (f.label === Label.REPEATED) label = "repeated ";
    else if (f.label === Label.REQUIRED) label = "required ";
    else if (syntax === "proto2" || f.proto3Optional) label = "optional ";
  }
  let type: string;
  if (f.type === Type.MESSAGE || f.type === Type.ENUM) type = typeRef(f.typeName, scope);
  else if (f.type === Type.GROUP) throw new Error(`group field ${scope}.${f.name} is not handled by this script`);
  else type = Type[f.type].toLowerCase();

  const entries: string[] = [];
  if (isFieldSet(f, FieldDescriptorProtoSchema.field.defaultValue)) {
    const dv = f.defaultValue;
    // default_value is already C-escaped for bytes; strings need quoting.
    entries.push(`default = ${f.type === Type.STRING ? quote(dv) : f.type === Type.BYTES ? `"${dv}"` : dv}`);
  }
  if (!opts.isExtension && isFieldSet(f, FieldDescriptorProtoSchema.field.jsonName) && f.jsonName !== protoCamelCase(f.name)) {
    entries.push(`json_name = ${quote(f.jsonName)}`);
  }
  entries.push(...optionEntries(FieldOptionsSchema, f.options));
  return `${label}${type} ${f.name} = ${f.number}${compactOptions(entries)};`;
}

function printExtensions(extensions: FieldDescriptorProto[], scope: string): void {
  // Group consecutive extensions of the same extendee into one `extend` block.
  for (let i = 0; i < extensions.length; ) {
    if (i > 0) line();
    const extendee = extensions[i]!.extendee;
    block(`extend ${typeRef(extendee, scope)}`, () => {
      for (; i < extensions.length && extensions[i]!.extendee === extendee; i++) {
        line(fieldStatement(extensions[i]!, scope, { inOneof: false, isExtension: true }));
      }
    });
  }
}

function printEnum(e: EnumDescriptorProto): void {
  block(`enum ${e.name}`, () => {
    optionStatements(EnumOptionsSchema, e.options);
    for (const v of e.value) {
      line(`${v.name} = ${v.number}${compactOptions(optionEntries(EnumValueOptionsSchema, v.options))};`);
    }
    if (e.reservedRange.length > 0) line(`reserved ${ranges(e.reservedRange, false)};`);
    if (e.reservedName.length > 0) line(`reserved ${e.reservedName.map(quote).join(", ")};`);
  });
}

function printMessage(m: DescriptorProto, parentScope: string): void {
  const scope = `${parentScope}.${m.name}`;
  if (m.options?.mapEntry || m.nestedType.some((n) => n.options?.mapEntry)) {
    throw new Error(`map fields in ${scope} are not handled by this script`);
  }
  block(`message ${m.name}`, () => {
    optionStatements(MessageOptionsSchema, m.options);

    // Fields in declaration order; members of a (non-synthetic) oneof are
    // printed together in a oneof block where its first member appears.
    const printedOneofs = new Set<number>();
    for (const f of m.field) {
      const inOneof = isFieldSet(f, FieldDescriptorProtoSchema.field.oneofIndex) && !f.proto3Optional;
      if (!inOneof) {
        line(fieldStatement(f, scope, { inOneof: false, isExtension: false }));
        continue;
      }
      if (printedOneofs.has(f.oneofIndex)) continue;
      printedOneofs.add(f.oneofIndex);
      const oneof = m.oneofDecl[f.oneofIndex]!;
      block(`oneof ${oneof.name}`, () => {
        optionStatements(OneofOptionsSchema, oneof.options);
        for (const member of m.field.filter((x) => isFieldSet(x, FieldDescriptorProtoSchema.field.oneofIndex) && x.oneofIndex === f.oneofIndex)) {
          line(fieldStatement(member, scope, { inOneof: true, isExtension: false }));
        }
      });
    }

    for (const e of m.enumType) printEnum(e);
    for (const n of m.nestedType) printMessage(n, scope);
    printExtensions(m.extension, scope);
    for (const r of m.extensionRange) {
      line(`extensions ${ranges([r], true)}${compactOptions(optionEntries(ExtensionRangeOptionsSchema, r.options))};`);
    }
    if (m.reservedRange.length > 0) line(`reserved ${ranges(m.reservedRange, true)};`);
    if (m.reservedName.length > 0) line(`reserved ${m.reservedName.map(quote).join(", ")};`);
  });
}

// ---------------------------------------------------------------------------
// The file
// ---------------------------------------------------------------------------

// Keep the license notice of the generated file we render from (Apache-2.0).
const genLines = readFileSync(genUrl, "utf8").split("\n");
const license = genLines.slice(0, genLines.findIndex((l) => !l.startsWith("//")));

line(`// Code generated by scripts/vendor-validate-proto.ts. DO NOT EDIT.`);
line(`// This file must not be edited by hand; re-run the script instead.`);
line(`//`);
line(`// Rendered from the FileDescriptorProto embedded in ${PKG}@${pkgVersion}`);
line(`// (dist/esm/gen/buf/validate/validate_pb.js), because the npm package does not`);
line(`// ship the .proto source. Comments of the original file are not part of the`);
line(`// descriptor and are therefore missing; see https://github.com/bufbuild/protovalidate`);
line(`// for the documented original. To update, upgrade ${PKG} and re-run:`);
line(`//   npx tsx scripts/vendor-validate-proto.ts`);
line(`//`);
for (const l of license) line(l);
line();
line(`syntax = "${syntax}";`);
line();
line(`package ${proto.package};`);
line();
proto.dependency.forEach((dep, i) => {
  const kind = proto.publicDependency.includes(i) ? "public " : proto.weakDependency.includes(i) ? "weak " : "";
  line(`import ${kind}${quote(dep)};`);
});
if (proto.options) {
  line();
  optionStatements(FileOptionsSchema, proto.options);
}
for (const m of proto.messageType) {
  line();
  printMessage(m, proto.package);
}
for (const e of proto.enumType) {
  line();
  printEnum(e);
}
if (proto.extension.length > 0) {
  line();
  printExtensions(proto.extension, proto.package);
}

const source = out.join("\n") + "\n";
if (process.argv.includes("--stdout")) {
  process.stdout.write(source);
} else {
  mkdirSync(dirname(OUT_PATH), { recursive: true });
  writeFileSync(OUT_PATH, source);
  console.log(`wrote ${OUT_PATH} (${PKG}@${pkgVersion})`);
}
