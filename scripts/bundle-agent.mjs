// Bundles the compiled guest agent (dist/agent/src/main.js, from `tsc`) and everything it imports
// into one ESM file, dist/agent/hoard-agent.mjs, which the taskmanager starts when it exists.
// Node then reads one file instead of resolving and loading some 300 modules, which was most of
// the agent's start-up and so of every create. Run by `npm run build` after tsc.
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const entry = path.join(root, "dist/agent/src/main.js");
const outfile = path.join(root, "dist/agent/hoard-agent.mjs");

// The agent talks to NATS and its database server only; the control plane's database client
// (Prisma, better-sqlite3, with native code and engines that cannot be bundled) must not leak in.
const forbidden = [/services\/platform\/db\//, /node_modules\/(@prisma|prisma|better-sqlite3)\//];

const result = await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // Linked, not inlined: a stack trace can still be mapped by hand; node itself ignores it.
  sourcemap: "linked",
  metafile: true,
  logLevel: "warning",
  // CommonJS dependencies (pino, pg) call require() for node builtins, which ESM output lacks.
  banner: { js: 'import { createRequire as __hoardCreateRequire } from "node:module";\nconst require = __hoardCreateRequire(import.meta.url);' },
});

const leaked = Object.keys(result.metafile.inputs).filter((input) => forbidden.some((re) => re.test(input)));
if (leaked.length > 0) {
  console.error(`bundle-agent: the agent must not import the control plane's database client:\n  ${leaked.join("\n  ")}`);
  process.exit(1);
}
