// Maps a stored configuration group to its public shape. Stored values are engine strings; the
// API shows numbers as JSON numbers (as the user wrote them) where the catalogue says they are.
import { create, type JsonObject } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ConfigurationSchema, type Configuration } from "../../../gen/proto/hoard/v1/configuration_pb.js";
import type { ParameterCatalogue } from "../../platform/parameters/index.js";
import type { ConfigurationRow } from "../store/configurations.js";

export function toConfigurationView(row: ConfigurationRow, catalogue: ParameterCatalogue | undefined): Configuration {
  return create(ConfigurationSchema, {
    id: row.id,
    name: row.name,
    description: row.description,
    datastore: row.datastoreVersion.datastore.name,
    datastoreVersion: row.datastoreVersion.name,
    values: typedValues(storedValues(row.values), catalogue),
    instanceCount: row.instances.length,
    createdAt: timestampFromDate(row.createdAt),
    updatedAt: timestampFromDate(row.updatedAt),
  });
}

export function storedValues(json: string): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(json);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}

function typedValues(values: Record<string, string>, catalogue: ParameterCatalogue | undefined): JsonObject {
  const types = new Map(catalogue?.parameters.map((p) => [p.name, p.type]) ?? []);
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(values)) {
    const type = types.get(name);
    out[name] = (type === "integer" || type === "float") && Number.isFinite(Number(value)) ? Number(value) : value;
  }
  return out;
}
