#!/usr/bin/env bash
# Publish -> WebSocket latency with many clients connected (default: 1000 clients, 2000 readings/s, 10 s).
# Usage: scripts/bench-fanout.sh [clients] [readings per second] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -srm)"
exec cargo bench --no-default-features --bench fanout -- "${1:-1000}" "${2:-2000}" "${3:-10}"
