// What bin/hoard.js and bin/hoard-manage.js share. After `npm run build` a launcher runs the compiled
// dist/cli/<entry>.js; in a fresh checkout it runs the TypeScript source through tsx in a child
// `node --import tsx`, forwarding the exit status.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";

/** Runs cli/<entry>.ts (or its compiled form) with this process's arguments. */
export async function launch(entry) {
  const compiled = new URL(`../dist/cli/${entry}.js`, import.meta.url);
  if (existsSync(compiled)) {
    await import(compiled.href);
    return;
  }
  const source = fileURLToPath(new URL(`../cli/${entry}.ts`, import.meta.url));
  // Resolved from this file, not the cwd, so the CLI works from any directory.
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
