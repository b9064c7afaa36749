#!/usr/bin/env bash
# `npm test`: set-up (dependencies, build, Podman), then lint, type-check, unit and integration
# tests. Integration tests use the real Podman engine set up by scripts/setup.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="$ROOT/node_modules/.bin"

# The shared rate-limit tests run two gateways on a real Redis.
MCPMAN_SETUP_EXTRAS="${MCPMAN_SETUP_EXTRAS:-chromium redis registry}" bash scripts/setup.sh

echo "test: lint (eslint, prettier)"
"$BIN/eslint" .
"$BIN/prettier" --check . >/dev/null || { "$BIN/prettier" --check .; exit 1; }

echo "test: npm audit (production dependencies)"
node scripts/audit.mjs

echo "test: type-check (sources, specs, tests)"
"$BIN/tsc" -b
"$BIN/tsc" -p tsconfig.check.json
(cd packages/ui && "$BIN/svelte-check" --tsconfig ./tsconfig.json --fail-on-warnings)

echo "test: unit and integration tests"
"$BIN/vitest" run "$@"
