// Configuration-group parameters: per datastore version, a catalogue of what a configuration group
// may set (type, range, allowed values, whether a change needs a restart; bundled as JSON under
// catalogue/parameters/), and the validator the control plane runs before values reach an agent.
// Pure apart from reading the bundled files.

export type * from "./types.js";
export { CatalogueError, bundledCatalogueDir, bundledCatalogues, loadBundledCatalogue, parseCatalogue, readCatalogueFile } from "./catalogue.js";
export { restartRequiredNames, validateParameters, type ParameterProblem, type ValidationResult } from "./validate.js";
export { MAX_STRING_LENGTH } from "./value.js";
