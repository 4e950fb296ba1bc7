// A datastore version's parameter catalogue as stored by the operator (ManageService
// SetParameterCatalogue, or the bundled file at bootstrap), and group values checked against it.
import { InvalidArgumentError, FailedPreconditionError } from "../../platform/errors.js";
import { parseCatalogue, validateParameters, type ParameterCatalogue } from "../../platform/parameters/index.js";

export interface VersionWithCatalogue {
  name: string;
  parameterCatalogue: string | null;
  datastore: { name: string };
}

export function catalogueOf(version: VersionWithCatalogue): ParameterCatalogue {
  if (!version.parameterCatalogue) {
    throw new FailedPreconditionError(
      `${version.datastore.name} ${version.name} has no parameter catalogue, so it takes no configuration groups; an operator loads one with hoard-manage`,
    );
  }
  return parseCatalogue(JSON.parse(version.parameterCatalogue), `${version.datastore.name} ${version.name}`);
}

/**
 * Validated, normalised values; INVALID_ARGUMENT naming every bad key at once otherwise. A JSON
 * null is refused here: only UpdateConfiguration gives it a meaning (remove the key), and it
 * strips those before calling this.
 */
export function checkedValues(catalogue: ParameterCatalogue, values: Record<string, unknown>, field = "values"): Record<string, string> {
  const result = validateParameters(catalogue, values);
  if (result.problems.length === 0) return result.values;
  const listed = result.problems.map((p) => (p.name ? `${p.name}: ${p.problem}` : p.problem)).join("; ");
  const count = result.problems.length;
  throw new InvalidArgumentError(field, `${count} invalid parameter${count === 1 ? "" : "s"}: ${listed}`);
}
