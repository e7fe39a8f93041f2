#!/usr/bin/env bash
# MQTT publish -> WebSocket frame latency (median/p99) against a plain-MQTT baseline.
# Usage: scripts/bench-latency.sh [N readings, default 2000]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -srm)"
exec cargo bench --no-default-features --bench latency -- "${1:-2000}"
