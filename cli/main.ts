// Process entry of `hoard` (bin/hoard.js loads this): binds runHoard to the real streams and exit code.
import { runHoard } from "./hoard.js";
import { runAsProcess } from "./program.js";

await runAsProcess(runHoard);
