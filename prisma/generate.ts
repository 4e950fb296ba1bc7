// Renders the per-provider schemas and generates both Prisma clients into gen/prisma/<provider>.
//
//   npx tsx prisma/generate.ts
//
// prisma.config.ts picks schema and adapter by DATABASE_URL, and `prisma generate` only stays offline
// when the two agree, so each provider is generated with a URL of its own scheme. Nothing connects:
// the URLs only select the provider.

import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { PROVIDERS, renderAll, type Provider } from "./render.js";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const prismaCli = createRequire(import.meta.url).resolve("prisma/build/index.js");

const selectorUrl: Record<Provider, string> = {
  sqlite: "file:./.hoard/generate.db",
  postgresql: "postgresql://generate@localhost/generate",
};

function run(args: string[], env: NodeJS.ProcessEnv = {}): void {
  const r = spawnSync(process.execPath, args, {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1", ...env },
  });
  if (r.status !== 0) {
    console.error(`failed: node ${args.join(" ")}`);
    process.exit(r.status ?? 1);
  }
}

if (renderAll() !== 0) process.exit(1);
for (const provider of PROVIDERS) {
  run([prismaCli, "generate", "--schema", `prisma/${provider}/schema.prisma`], {
    DATABASE_URL: selectorUrl[provider],
  });
}
