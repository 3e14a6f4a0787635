#!/usr/bin/env bash
# Start Anvil for the world: start-anvil.sh [PORT] [extra anvil args, e.g. --load-state FILE,
# --dump-state FILE, --fork-url URL, --block-time 2, --no-mining].
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
port="${1:-8545}"; shift || true
exec "$here/tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil" --host 127.0.0.1 \
  --port "$port" --chain-id 31337 --gas-limit 1000000000 --balance 1000000 "$@"
