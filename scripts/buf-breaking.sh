#!/usr/bin/env bash
# buf breaking (FILE rules): the working tree against main's last commit (catches a change before
# it is committed), and on a clean checkout of main, the last commit against its parent (CI).
set -euo pipefail
git rev-parse --verify -q HEAD >/dev/null || exit 0
npx buf breaking --against '.git#branch=main'
if git rev-parse --verify -q HEAD~1 >/dev/null && [ -n "$(git ls-tree HEAD~1 proto)" ]; then
  npx buf breaking --against '.git#ref=HEAD~1'
fi
