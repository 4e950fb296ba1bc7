#!/usr/bin/env bash
# Installs npm packages when package-lock.json changed since the last install, then regenerates
# code (protobuf, Prisma clients) and compiles, so `make up` and `make test` work from a fresh clone.
set -euo pipefail
stamp=node_modules/.hoard-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  # `npm install`, not `npm ci`: npm 11 here writes locks without other platforms' optional
  # packages (e.g. @bufbuild/buf-darwin-*), which `npm ci` then rejects as out of sync.
  npm install --no-audit --no-fund
  touch "$stamp"
fi
npm run --silent generate
npm run --silent build
