#!/usr/bin/env bash
# benign-traffic.sh RPC_URL MANIFEST [--seed S --n-tx N --hours H --wallets W]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
rpc="$1"; manifest="$2"; shift 2
exec "$here/.venv/bin/hafeniq-chain" world traffic --rpc "$rpc" --manifest "$manifest" "$@"
