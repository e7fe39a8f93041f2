#!/usr/bin/env bash
# Install what Pure Health needs to build, run and test. Idempotent: installs only what is
# missing, and runs `apt-get update` only when something must be installed.
#
#   scripts/setup.sh [--gui] [--test] [--no-ui] [--check]
#     (none)   build tools for the headless hub, Node.js check, npm ci in ui/ when needed
#     --gui    + libraries for the Tauri desktop window (WebKitGTK, GTK, ...)
#     --test   + test tools: mosquitto, Xvfb, Chromium, WebKitWebDriver, tauri-driver, ...
#     --no-ui  skip `npm ci` in ui/
#     --check  install nothing: report what is missing, exit 1 if anything is
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

want_gui=0 want_test=0 want_ui=1 check_only=0
for arg in "$@"; do
  case "$arg" in
    --gui) want_gui=1 ;;
    --test) want_test=1 ;;
    --no-ui) want_ui=0 ;;
    --check) check_only=1 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) ph_die "unknown option: $arg (see --help)" ;;
  esac
done

# Debian package | how to tell it is there without dpkg (command, pkg-config module or file).
PKGS_BUILD=(
  "build-essential|cmd:cc"
  "pkg-config|cmd:pkg-config"
  "libssl-dev|pc:openssl"
  "curl|cmd:curl"
  "python3|cmd:python3"
)
PKGS_GUI=(
  "libwebkit2gtk-4.1-dev|pc:webkit2gtk-4.1"
  "libgtk-3-dev|pc:gtk+-3.0"
  "librsvg2-dev|pc:librsvg-2.0"
  "libayatana-appindicator3-dev|pc:ayatana-appindicator3-0.1"
  "libxdo-dev|file:/usr/include/xdo.h"
)
PKGS_TEST=(
  "mosquitto|file:/usr/sbin/mosquitto"
  "mosquitto-clients|cmd:mosquitto_pub"
  "xvfb|cmd:xvfb-run"
  "xauth|cmd:xauth"
  "dbus|cmd:dbus-run-session"
  "webkit2gtk-driver|cmd:WebKitWebDriver"
  "chromium|file:/usr/bin/chromium"
  "chromium-driver|cmd:chromedriver"
  "imagemagick|file:/usr/bin/convert"
  "dunst|cmd:dunst"
  "fonts-lohit-deva|file:/usr/share/fonts/truetype/lohit-devanagari/Lohit-Devanagari.ttf"
)

wanted=("${PKGS_BUILD[@]}")
if [ "$want_gui" = 1 ] || [ "$want_test" = 1 ]; then wanted+=("${PKGS_GUI[@]}"); fi
if [ "$want_test" = 1 ]; then wanted+=("${PKGS_TEST[@]}"); fi

probe_ok() {
  case "$1" in
    cmd:*) ph_have "${1#cmd:}" ;;
    pc:*) ph_have pkg-config && pkg-config --exists "${1#pc:}" ;;
    file:*) [ -e "${1#file:}" ] ;;
  esac
}

problems=()   # things this script cannot fix; printed at the end

# ---- system packages ---------------------------------------------------------------------------
missing=()
if ph_have dpkg-query; then
  names=()
  for entry in "${wanted[@]}"; do names+=("${entry%%|*}"); done
  installed="$(dpkg-query -W -f='${Package} ${Status}\n' "${names[@]}" 2>/dev/null || true)"
  for name in "${names[@]}"; do
    grep -Eq "^$name (install|hold) ok installed$" <<<"$installed" || missing+=("$name")
  done
else
  for entry in "${wanted[@]}"; do
    probe_ok "${entry#*|}" || missing+=("${entry%%|*}")
  done
fi

if [ "${#missing[@]}" -eq 0 ]; then
  ph_log "system packages: all present"
elif [ "$check_only" = 1 ]; then
  problems+=("missing Debian packages: ${missing[*]}")
elif ! ph_have apt-get; then
  detail=()
  for entry in "${wanted[@]}"; do
    for m in "${missing[@]}"; do
      [ "$m" = "${entry%%|*}" ] && detail+=("  $m (needed: ${entry#*|})")
    done
  done
  problems+=("not a Debian/Ubuntu system (no apt-get); install the equivalents of these Debian packages:"
             "${detail[@]}")
elif [ "$(id -u)" -ne 0 ] && ! ph_have sudo; then
  problems+=("not root and no sudo; as root run: apt-get update && apt-get install -y ${missing[*]}")
else
  ph_log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_opts=(-o DPkg::Lock::Timeout=900 -o Acquire::Retries=3)
  if ph_as_root env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update -qq \
     && ph_as_root env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y -q "${missing[@]}"; then
    ph_log "installed: ${missing[*]}"
  else
    problems+=("apt-get install failed for: ${missing[*]}")
  fi
fi

# ---- Node.js ------------------------------------------------------------------------------------
if ! ph_have node || ! ph_have npm; then
  problems+=("Node.js and npm are missing: install Node.js $PH_NODE_MIN_TEXT with npm (Debian 12's nodejs package is 18.x, too old for Vite 8)")
elif ! ph_node_ok; then
  problems+=("Node.js $(node --version) is too old: install Node.js $PH_NODE_MIN_TEXT with npm")
fi

# ---- Rust -----------------------------------------------------------------------------------------
if ! ph_have cargo || ! ph_have rustc; then
  problems+=("Rust is missing: install Rust >= $PH_RUST_MIN with rustup (https://rustup.rs), components clippy and rustfmt")
else
  rust_v="$(rustc --version | awk '{print $2}')"
  if ! ph_version_ge "$rust_v" "$PH_RUST_MIN.0"; then
    problems+=("rustc $rust_v is older than $PH_RUST_MIN: run rustup update stable")
  fi
  if [ "$want_test" = 1 ]; then
    comps=()
    ph_have cargo-clippy || comps+=(clippy)
    ph_have rustfmt || comps+=(rustfmt)
    if [ "${#comps[@]}" -gt 0 ]; then
      if [ "$check_only" = 0 ] && ph_have rustup; then
        ph_log "rustup component add ${comps[*]}"
        rustup component add "${comps[@]}" || problems+=("rustup component add ${comps[*]} failed")
      else
        problems+=("missing Rust components: ${comps[*]} (rustup component add ${comps[*]})")
      fi
    fi
  fi
fi

# ---- tauri-driver ---------------------------------------------------------------------------------
if [ "$want_test" = 1 ]; then
  if ph_tauri_driver_ok; then
    ph_log "tauri-driver $PH_TAURI_DRIVER_VERSION: present"
  elif [ "$check_only" = 1 ] || ! ph_have cargo; then
    problems+=("tauri-driver $PH_TAURI_DRIVER_VERSION missing: cargo install tauri-driver@$PH_TAURI_DRIVER_VERSION --locked")
  else
    ph_log "cargo install tauri-driver@$PH_TAURI_DRIVER_VERSION --locked"
    # Its own target dir: keeps the project's build cache free of tauri-driver's features.
    if CARGO_TARGET_DIR="$HOME/.cache/purehealth/tauri-driver-target" \
       cargo install "tauri-driver@$PH_TAURI_DRIVER_VERSION" --locked; then
      rm -rf "$HOME/.cache/purehealth/tauri-driver-target"
    else
      problems+=("cargo install tauri-driver@$PH_TAURI_DRIVER_VERSION --locked failed")
    fi
  fi
fi

# ---- ONNX Runtime (forecast inference; without it forecasts run on the slower tract engine) ----
ort_lib="$PH_ORT_DIR/libonnxruntime.so"
if [ -e "$ort_lib" ] && [ "$(cat "$PH_ORT_DIR/VERSION" 2>/dev/null)" = "$PH_ORT_VERSION" ]; then
  ph_log "ONNX Runtime $PH_ORT_VERSION: present ($ort_lib)"
elif [ "$check_only" = 1 ]; then
  ph_warn "ONNX Runtime $PH_ORT_VERSION missing at $ort_lib (forecasts would run on tract)"
  [ "$want_test" = 1 ] && problems+=("ONNX Runtime $PH_ORT_VERSION missing: scripts/setup.sh installs it from the PyPI onnxruntime wheel")
else
  ph_log "installing ONNX Runtime $PH_ORT_VERSION from the PyPI onnxruntime wheel into $PH_ORT_DIR"
  if ph_install_onnxruntime; then
    ph_log "ONNX Runtime $PH_ORT_VERSION: installed ($ort_lib)"
  elif [ "$want_test" = 1 ]; then
    problems+=("could not install ONNX Runtime $PH_ORT_VERSION (pip download onnxruntime==$PH_ORT_VERSION failed)")
  else
    ph_warn "could not install ONNX Runtime $PH_ORT_VERSION: forecasts will run on tract"
  fi
fi

# ---- UI dependencies ------------------------------------------------------------------------------
if [ "$want_ui" = 1 ] && ph_node_ok; then
  if [ "$check_only" = 1 ]; then
    if ph_ui_needs_install; then problems+=("ui/node_modules missing or older than ui/package-lock.json (npm ci)"); fi
  else
    ph_ui_install || problems+=("npm ci in ui/ failed")
  fi
fi

if [ "${#problems[@]}" -gt 0 ]; then
  ph_log "setup incomplete:"
  for p in "${problems[@]}"; do printf '  %s\n' "$p" >&2; done
  exit 1
fi
ph_log "setup complete"
