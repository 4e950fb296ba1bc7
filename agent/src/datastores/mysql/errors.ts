// The MySQL-family managers report the failures every engine shares (../errors.ts).
export { DatastoreConflictError, DatastoreEngineError, DatastoreNotFoundError, DatastorePreconditionError, DatastoreSpecError } from "../errors.js";
