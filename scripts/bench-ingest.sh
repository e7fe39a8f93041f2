#!/usr/bin/env bash
# Sustained ingest throughput (hub and in-process core) against the broker's own delivery rate.
# Usage: scripts/bench-ingest.sh [N readings, default 50000] [embedded|mosquitto]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -srm)"
if [ "${2:-embedded}" = mosquitto ]; then
  port="$(ph_free_ports 1)"
  conf="$(mktemp)"
  printf 'user root\nlistener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n' "$port" >"$conf"
  /usr/sbin/mosquitto -c "$conf" >/dev/null 2>&1 &
  mpid=$!
  trap 'kill "$mpid" 2>/dev/null || true; rm -f "$conf"' EXIT
  sleep 0.5
  BENCH_MQTT_PORT="$port" cargo bench --no-default-features --bench ingest -- "${1:-50000}"
else
  exec cargo bench --no-default-features --bench ingest -- "${1:-50000}"
fi
