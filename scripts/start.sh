#!/usr/bin/env bash
# `npm start`: set-up, then run the gateway with the example server in Podman, in the foreground.
# Pass a different config with MCPMAN_CONFIG=path/to/mcpman.yaml npm start.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
exec node packages/cli/bin/mcpman.js up -f "${MCPMAN_CONFIG:-examples/everything.yaml}" "$@"
