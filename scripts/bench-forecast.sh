#!/usr/bin/env bash
# Forecast inference cost on both backends (each in its own process) and a full prediction cycle
# for N stations (default 1000). Needs ONNX Runtime (scripts/setup.sh installs it).
# Usage: scripts/bench-forecast.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -srm)"
cargo bench --no-default-features --bench forecast --no-run >/dev/null 2>&1 || true
for backend in onnxruntime tract; do
  echo
  echo "== $backend"
  cargo bench --no-default-features --bench forecast -- "$backend" "${1:-1000}" 2>/dev/null
done
