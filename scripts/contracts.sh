#!/usr/bin/env bash
# `make contracts`: validate schemas/asyncapi.yaml with the official AsyncAPI parser and
# docker-compose.yml against the Compose Specification schema. The npm packages are pinned
# by scripts/contracts/package-lock.json and installed into scripts/contracts/node_modules
# (ignored by git) the first time, or again when the lockfile changes.
set -euo pipefail
cd "$(dirname "$0")/contracts"
command -v node >/dev/null || { echo "contracts: node (>= 18) is required" >&2; exit 1; }
stamp=node_modules/.sextant-lock
if ! cmp -s package-lock.json "$stamp" 2>/dev/null; then
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
  cp package-lock.json "$stamp"
fi
node validate.mjs
