#!/usr/bin/env node
// `hoard` launcher. After `npm run build` it runs the compiled dist/cli/main.js; in a fresh checkout it
// runs the TypeScript source through tsx in a child `node --import tsx`, forwarding the exit status.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";

const compiled = new URL("../dist/cli/main.js", import.meta.url);

if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const source = fileURLToPath(new URL("../cli/main.ts", import.meta.url));
  // Resolved from this file, not the cwd, so `hoard` works from any directory.
  const tsx = import.meta.resolve("tsx");
  const child = spawn(process.execPath, [...process.execArgv, "--import", tsx, source, ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  // Pass signals on and let the child decide; the launcher ends when the child does.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("error", (err) => {
    process.stderr.write(`error: cannot start node: ${err.message}\n`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => {
    process.exit(signal === null ? (code ?? 1) : 128 + (constants.signals[signal] ?? 0));
  });
}
