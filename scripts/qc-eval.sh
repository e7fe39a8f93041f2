#!/usr/bin/env bash
# Real-time QC over the NERRS SWMP sonde record, compared with the file's own NERRS flags.
# Prints markdown tables (docs/QC.md holds a copy with the date and machine).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
exec cargo run --release --no-default-features --example qc_eval
