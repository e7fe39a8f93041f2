#!/usr/bin/env bash
# Build and start Pure Health.
#   With a display ($DISPLAY or $WAYLAND_DISPLAY): the desktop window (Tauri, release build).
#   Without one: the headless hub with the demo feed; open http://127.0.0.1:8080/ in a browser.
# Extra arguments are passed to the program (after `hub --demo` in the headless case).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PH_ROOT"

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  bash scripts/setup.sh --gui
  npm --prefix ui run build
  # tauri/custom-protocol: serve the embedded ui/dist (what `tauri build` does) instead of the
  # dev server URL.
  exec cargo run --release --features custom-protocol -- "$@"
fi

bash scripts/setup.sh
npm --prefix ui run build
cargo build --release --no-default-features

listen="127.0.0.1:8080"
prev=""
for arg in "$@"; do
  case "$arg" in
    --listen=*) listen="${arg#--listen=}" ;;
    *) [ "$prev" = "--listen" ] && listen="$arg" ;;
  esac
  prev="$arg"
done
echo "Open http://$listen/ in a browser"
exec cargo run --release --no-default-features -- hub --demo "$@"
