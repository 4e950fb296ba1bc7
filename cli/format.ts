// Output: `-f table` (boxed tables, as `openstack` prints them) or `-f json` (one JSON value).
// Tables are hand-rolled: a few lines, no dependency.

/** The output formats every command accepts. */
export const formats = ["table", "json"] as const;
export type Format = (typeof formats)[number];

/** A value a table cell or JSON field can hold. */
export type Scalar = string | number | boolean | null;

/** Renders rows under headers; multi-line cells span several text lines. */
export function renderTable(headers: readonly string[], rows: readonly (readonly Scalar[])[]): string {
  const cells = [headers.map((h) => [h]), ...rows.map((row) => headers.map((_, i) => cellLines(row[i])))];
  const widths = headers.map((_, col) => Math.max(...cells.map((row) => Math.max(...(row[col] ?? [""]).map(width)))));
  const rule = `+${widths.map((w) => "-".repeat(w + 2)).join("+")}+`;
  const line = (row: string[][]): string[] => {
    const height = Math.max(1, ...row.map((c) => c.length));
    return Array.from({ length: height }, (_, i) =>
      `| ${widths.map((w, col) => pad(row[col]?.[i] ?? "", w)).join(" | ")} |`,
    );
  };
  const [head, ...body] = cells;
  return [rule, ...line(head ?? []), rule, ...body.flatMap(line), ...(body.length > 0 ? [rule] : [])].join("\n") + "\n";
}

/** Renders one object as a Field/Value table; nested objects flatten to `parent_child` rows. */
export function renderFields(record: Readonly<Record<string, unknown>>): string {
  return renderTable(["Field", "Value"], flatten(record).map(([k, v]) => [k, v]));
}

/** Pretty JSON with a trailing newline. */
export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}

function flatten(record: Readonly<Record<string, unknown>>, prefix = ""): [string, Scalar][] {
  return Object.entries(record).flatMap(([key, value]): [string, Scalar][] => {
    const name = prefix + key;
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      return flatten(value as Record<string, unknown>, `${name}_`);
    }
    if (Array.isArray(value)) return [[name, value.map(listItem).join(", ")]];
    return [[name, toScalar(value)]];
  });
}

// An object inside a list has no row of its own; compact JSON beats "[object Object]".
function listItem(value: unknown): string {
  return value !== null && typeof value === "object" ? JSON.stringify(value) : String(value);
}

function toScalar(value: unknown): Scalar {
  if (value === undefined) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean" || value === null) {
    return value;
  }
  return String(value);
}

function cellLines(value: Scalar | undefined): string[] {
  if (value === null || value === undefined) return [""];
  // Control characters from a server string must not drive the terminal.
  return String(value)
    .split(/\r?\n/)
    .map((l) => l.replace(/[\u0000-\u001f\u007f]/g, "?"));
}

// Code points, not UTF-16 units, so names like "café" line up.
function width(text: string): number {
  return [...text].length;
}

function pad(text: string, w: number): string {
  return text + " ".repeat(Math.max(0, w - width(text)));
}

const byteUnits = ["KiB", "MiB", "GiB", "TiB", "PiB"];

/** A byte count for people: "512 B", "12.3 MiB" (binary units, one decimal). JSON keeps the exact number. */
export function humanBytes(bytes: number | bigint): string {
  let n = Number(bytes);
  if (n < 1024) return `${n} B`;
  let unit = -1;
  while (n >= 1024 && unit < byteUnits.length - 1) {
    n /= 1024;
    unit++;
  }
  // 1023.96 KiB rounds to "1024.0 KiB"; say "1.0 MiB" instead.
  if (n.toFixed(1) === "1024.0" && unit < byteUnits.length - 1) {
    n /= 1024;
    unit++;
  }
  return `${n.toFixed(1)} ${byteUnits[unit] ?? ""}`;
}
