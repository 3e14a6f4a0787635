#!/usr/bin/env bash
# Deploy the world on a throw-away Anvil; writes DIR/anvil-state.json + DIR/world-manifest.json.
# Then: start-anvil.sh 8545 --load-state DIR/anvil-state.json
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
exec "$here/.venv/bin/hafeniq-chain" world deploy --out "${1:-world}"
