// Dotted field paths as REST names them: "page_size", "pageSize", "instance.id".
import type { DescField, DescMessage } from "@bufbuild/protobuf";

/**
 * Resolves a dotted field path (each part a proto or JSON field name) through singular message
 * fields. Returns every field along the way, or undefined when a part names nothing or the path
 * continues past a field that is not a singular message.
 */
export function resolveFieldChain(message: DescMessage, path: readonly string[]): DescField[] | undefined {
  const chain: DescField[] = [];
  let current: DescMessage | undefined = message;
  for (const part of path) {
    if (!current) return undefined;
    const field: DescField | undefined = current.fields.find((f) => f.name === part || f.jsonName === part);
    if (!field) return undefined;
    chain.push(field);
    current = field.fieldKind === "message" ? field.message : undefined;
  }
  return chain.length > 0 ? chain : undefined;
}
