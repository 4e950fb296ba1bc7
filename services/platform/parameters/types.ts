// The shape of a parameter catalogue: what configuration groups of one datastore version may set.
// The JSON files under catalogue/parameters/ hold exactly this (catalogue/parameters/README.md).

/** What a value may be; decides how input is checked and rendered. */
export type ParameterType = "integer" | "float" | "boolean" | "string";

interface CommonDefinition {
  /** Engine-native name: work_mem, innodb_buffer_pool_size, maxmemory-policy. */
  readonly name: string;
  readonly type: ParameterType;
  /** The engine applies a new value only at its next start (PostgreSQL context postmaster, MariaDB read-only, Redis immutable). */
  readonly restartRequired: boolean;
  readonly description: string;
  /** The engine's own built-in default, in the catalogue's rendering; informative (Hoard sizes some from the flavor). */
  readonly engineDefault?: string;
}

/** A whole number in `unit` (the engine's base unit: kB, 8kB, ms, B, ...), min and max inclusive. */
export interface IntegerDefinition extends CommonDefinition {
  readonly type: "integer";
  readonly min: number;
  readonly max: number;
  readonly unit?: string;
}

export interface FloatDefinition extends CommonDefinition {
  readonly type: "float";
  readonly min: number;
  readonly max: number;
  readonly unit?: string;
}

/** Rendered with the catalogue's `booleans` spelling. */
export interface BooleanDefinition extends CommonDefinition {
  readonly type: "boolean";
}

/** One of `allowed` (matched case-insensitively, rendered as listed), or any text matching `pattern`. */
export interface StringDefinition extends CommonDefinition {
  readonly type: "string";
  readonly allowed?: readonly string[];
  /** A regular expression the whole value must match (used when there is no `allowed`). */
  readonly pattern?: string;
}

/** One configurable parameter of an engine version. */
export type ParameterDefinition = IntegerDefinition | FloatDefinition | BooleanDefinition | StringDefinition;

/** The configurable parameters of one datastore version (Trove's validation-rules.json). */
export interface ParameterCatalogue {
  readonly datastore: string;
  readonly version: string;
  /** How the engine spells true and false: ["on", "off"], ["ON", "OFF"], ["yes", "no"]. */
  readonly booleans: readonly [string, string];
  readonly parameters: readonly ParameterDefinition[];
}
