#!/usr/bin/env bash
# Sustained ingest throughput (hub and in-process core) against the broker's own delivery rate.
# Usage: scripts/bench-ingest.sh [N readings, default 50000]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -srm)"
exec cargo bench --no-default-features --bench ingest -- "${1:-50000}"
