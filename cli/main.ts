// Process entry of `hoard` (bin/hoard.js loads this): binds runHoard to the real streams and exit code.
import { runHoard } from "./hoard.js";

// `hoard instance list | head -1` closes stdout early; that is not an error worth a stack trace.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await runHoard(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
