// The PostgreSQL manager reports the failures every engine shares (../errors.ts).
export { DatastoreConflictError, DatastoreEngineError, DatastoreNotFoundError, DatastorePreconditionError, DatastoreSpecError } from "../errors.js";
