#!/usr/bin/env bash
# run-scenario.sh NAME [--seed S --rpc URL --manifest FILE --labels FILE --out-dir DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
exec "$here/.venv/bin/hafeniq-chain" scenario run "$@"
