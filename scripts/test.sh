#!/usr/bin/env bash
# Pure Health: every check CI runs (`.ci/run` calls this script).
#
# Steps: setup, rustfmt, UI (npm ci, check, vitest, build), clippy headless + gui, cargo test
# (headless; the integration tests start mosquitto and the hub themselves), headless build +
# browser end-to-end test against a demo hub, gui build + Tauri end-to-end test under Xvfb.
# Each step prints a header and its duration; a failed step does not stop the independent steps
# after it, an end-to-end step is skipped when its build failed. The last line is
# "N passed, M failed" and the exit code is non-zero when any step failed.
#
# For local iteration only (ignored when CI is set):
#   PUREHEALTH_SKIP="clippy-gui,e2e-tauri"   skip steps by id (ids are shown in the headers)
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PH_ROOT"

# mosquitto lives in /usr/sbin, which a non-root PATH may lack.
case ":$PATH:" in *":/usr/sbin:"*) ;; *) export PATH="$PATH:/usr/sbin" ;; esac

PH_E2E_TIMEOUT="${PUREHEALTH_E2E_TIMEOUT:-600}"
# The gui binary for the Tauri e2e test embeds ui/dist and serves it over tauri:// like a
# release (`tauri build` adds the same feature); without it a debug build loads build.devUrl.
PH_GUI_BUILD_ARGS=(--features custom-protocol)
HEADLESS_BIN="$CARGO_TARGET_DIR/debug/purehealth"
GUI_BIN="$CARGO_TARGET_DIR/debug/purehealth"

# ---- step bodies --------------------------------------------------------------------------------
# Starts tests/e2e/stac-replay.mjs (the Sentinel-2 fixture scenes as a STAC API with COG range
# reads; also the map tiles of the browser e2e's online-tiles step) on a free port and writes a hub
# config enabling the satellite source against it for the demo station apacpwq. Sets STAC_PID,
# STAC_URL and HUB_CONFIG.
start_stac_replay() {
  local portfile="$PH_TMP/stac-replay.port" i
  rm -f "$portfile"
  ph_spawn "$PH_TMP/stac-replay.log" node tests/e2e/stac-replay.mjs 0 --port-file "$portfile"
  STAC_PID="$PH_LAST_PID"
  for ((i = 0; i < 100; i++)); do
    [ -s "$portfile" ] && break
    ph_alive "$STAC_PID" || break
    sleep 0.1
  done
  [ -s "$portfile" ] || { ph_log "stac-replay did not start:"; cat "$PH_TMP/stac-replay.log" >&2 || true; return 1; }
  STAC_URL="http://127.0.0.1:$(tr -d '[:space:]' <"$portfile")"
  HUB_CONFIG="$PH_TMP/hub-e2e.toml"
  cat >"$HUB_CONFIG" <<EOF
[sources.satellite]
enabled = true
base_url = "$STAC_URL"
interval_s = 86400
stations = ["apacpwq"]
lookback_days = 30
min_request_interval_ms = 10
timeout_s = 10
retries = 1
EOF
  ph_log "stac-replay: $STAC_URL (hub config $HUB_CONFIG)"
}

e2e_browser() {
  local hub_port broker_port data log pid rc=0
  [ -x "$HEADLESS_BIN" ] || { ph_log "missing $HEADLESS_BIN"; return 1; }
  [ -f tests/e2e/browser.mjs ] || { ph_log "missing tests/e2e/browser.mjs"; return 1; }
  read -r hub_port broker_port < <(ph_free_ports 2)
  [ -n "${broker_port:-}" ] || { ph_log "could not pick free ports"; return 1; }
  data="$(ph_tmpdir hub-data)"
  log="$PH_TMP/hub.log"
  start_stac_replay || return 1
  ph_log "starting hub: 127.0.0.1:$hub_port (broker 127.0.0.1:$broker_port), data $data"
  # The hub runs under a small supervisor loop so that the e2e's reconnection step can restart
  # it (HUB_RESTART_CMD: SIGTERM to the hub; the loop starts it again on the same ports and data).
  local pidfile="$PH_TMP/hub.pid"
  export PUREHEALTH_E2E_PIDFILE="$pidfile"
  # shellcheck disable=SC2016  # expanded by the inner bash
  ph_spawn "$log" bash -c 'while :; do "$0" "$@" & echo $! > "$PUREHEALTH_E2E_PIDFILE"; wait $! || true; sleep 0.2; done' \
    "$HEADLESS_BIN" hub --data-dir "$data" --config "$HUB_CONFIG" \
    --listen "127.0.0.1:$hub_port" --broker-listen "127.0.0.1:$broker_port" \
    --demo --demo-speed 900
  pid="$PH_LAST_PID"
  if ! ph_wait_http "http://127.0.0.1:$hub_port/health" 60 "$pid"; then
    ph_log "hub log (last 50 lines):"
    tail -n 50 "$log" >&2 || true
    return 1
  fi
  ph_log "hub ready: $(curl -fsS --max-time 2 "http://127.0.0.1:$hub_port/health" || true)"
  # A field station reporting critically low oxygen, so the e2e always has an open alarm to
  # acknowledge (the demo's real data seldom crosses a limit).
  mosquitto_pub -h 127.0.0.1 -p "$broker_port" -q 1 -i purehealth-e2e-pub \
    -t purehealth/e2e-river/do -m '{"value": 2.0, "unit": "mg/L"}' \
    || { ph_log "mosquitto_pub failed"; ph_stop "$pid"; return 1; }
  # shellcheck disable=SC2016  # expanded by the inner bash
  E2E_REQUIRE_ALARM=1 E2E_BROKER_PORT="$broker_port" E2E_TILES_URL="$STAC_URL" HUB_RESTART_CMD="kill -TERM \$(cat '$pidfile') && sleep 1" \
  HUB_URL="http://127.0.0.1:$hub_port" timeout --kill-after=10 "$PH_E2E_TIMEOUT" \
    bash -c 'source "$PH_ROOT/scripts/lib.sh"; ph_e2e_node tests/e2e/browser.mjs' || rc=$?
  if [ "$rc" -ne 0 ]; then
    ph_log "browser.mjs exited with $rc; hub log (last 50 lines):"
    tail -n 50 "$log" >&2 || true
    ph_log "stac-replay log (last 20 lines):"
    tail -n 20 "$PH_TMP/stac-replay.log" >&2 || true
  fi
  ph_stop "$pid"
  ph_stop "$STAC_PID"
  return "$rc"
}

e2e_tauri() {
  local drv_port native_port ui_port broker_port data pid rc=0 wrap=()
  ph_have tauri-driver || { ph_log "tauri-driver missing: scripts/setup.sh --test installs it"; return 1; }
  ph_have xvfb-run || { ph_log "xvfb-run missing: scripts/setup.sh --test installs it"; return 1; }
  ph_have WebKitWebDriver || { ph_log "WebKitWebDriver missing (Debian webkit2gtk-driver)"; return 1; }
  [ -x "$GUI_BIN" ] || { ph_log "missing $GUI_BIN"; return 1; }
  [ -f tests/e2e/tauri.mjs ] || { ph_log "missing tests/e2e/tauri.mjs"; return 1; }
  read -r drv_port native_port ui_port broker_port < <(ph_free_ports 4)
  [ -n "${broker_port:-}" ] || { ph_log "could not pick free ports"; return 1; }
  data="$(ph_tmpdir tauri-data)"
  export APP_BINARY="$GUI_BIN"
  export TAURI_DRIVER_PORT="$drv_port" TAURI_NATIVE_PORT="$native_port"
  export PUREHEALTH_DATA_DIR="$data"
  export PUREHEALTH_LISTEN="127.0.0.1:$ui_port"
  export PUREHEALTH_BROKER_LISTEN="127.0.0.1:$broker_port"
  export PUREHEALTH_DEMO=1
  # WebKitGTK under Xvfb without a GPU: software rendering, no accessibility bus.
  export WEBKIT_DISABLE_DMABUF_RENDERER="${WEBKIT_DISABLE_DMABUF_RENDERER:-1}"
  export LIBGL_ALWAYS_SOFTWARE="${LIBGL_ALWAYS_SOFTWARE:-1}"
  export NO_AT_BRIDGE=1
  # A private session bus that dies with the test (GTK would otherwise autolaunch one that
  # outlives it).
  if ph_have dbus-run-session; then wrap=(dbus-run-session --); fi
  ph_log "tauri e2e: driver 127.0.0.1:$drv_port, native $native_port, hub $PUREHEALTH_LISTEN, broker $PUREHEALTH_BROKER_LISTEN"
  ph_spawn - xvfb-run -a --server-args="-screen 0 1280x800x24" \
    "${wrap[@]}" bash "$PH_ROOT/scripts/test.sh" --inner-tauri-e2e
  pid="$PH_LAST_PID"
  wait "$pid" || rc=$?
  ph_stop "$pid"
  return "$rc"
}

# ---- one step, in its own session (see step below) --------------------------------------------
if [ "${1:-}" = "--run-step" ]; then
  shift
  trap ph_stop_all EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  "$@"
  exit 0
fi

# ---- inner part of the Tauri e2e test: runs under xvfb-run (and dbus-run-session) -------------
if [ "${1:-}" = "--inner-tauri-e2e" ]; then
  drv_log="$PH_TMP/tauri-driver.log"
  tauri-driver --port "$TAURI_DRIVER_PORT" --native-port "$TAURI_NATIVE_PORT" </dev/null >"$drv_log" 2>&1 &
  drv=$!
  trap 'kill -TERM "$drv" 2>/dev/null || true; wait "$drv" 2>/dev/null || true' EXIT
  if ! ph_wait_port 127.0.0.1 "$TAURI_DRIVER_PORT" 30 "$drv"; then
    tail -n 50 "$drv_log" >&2 || true
    exit 1
  fi
  ph_log "tauri-driver listening on 127.0.0.1:$TAURI_DRIVER_PORT (DISPLAY=$DISPLAY)"
  # A real notification daemon on this X display and session bus: the app's alarm notifications
  # must appear in its history (tauri.mjs publishes a low-oxygen reading and reads it back).
  if ph_have dunst && ph_have dunstctl && [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
    dunst -config /dev/null </dev/null >"$PH_TMP/dunst.log" 2>&1 &
    dunst_pid=$!
    trap 'kill -TERM "$drv" "$dunst_pid" 2>/dev/null || true; wait "$drv" 2>/dev/null || true' EXIT
    export E2E_NOTIFY_CHECK=1 E2E_BROKER_PORT="${PUREHEALTH_BROKER_LISTEN##*:}"
    ph_log "dunst notification daemon running (pid $dunst_pid)"
  else
    ph_log "dunst or a session bus missing: scripts/setup.sh --test installs dunst"
    exit 1
  fi
  rc=0
  # shellcheck disable=SC2016  # expanded by the inner bash
  timeout --kill-after=10 "$PH_E2E_TIMEOUT" bash -c 'source "$PH_ROOT/scripts/lib.sh"; ph_e2e_node tests/e2e/tauri.mjs' || rc=$?
  if [ "$rc" -ne 0 ]; then
    ph_log "tauri.mjs exited with $rc; tauri-driver/WebKitWebDriver/app log (last 80 lines):"
    tail -n 80 "$drv_log" >&2 || true
  fi
  exit "$rc"
fi

ph_runtime_init

# ---- step bookkeeping -------------------------------------------------------------------------
declare -A RESULT=()
ORDER=()
N_PASS=0 N_FAIL=0 N_SKIP=0
SKIP_LIST=",${PUREHEALTH_SKIP:-},"
if [ -n "${CI:-}" ] && [ -n "${PUREHEALTH_SKIP:-}" ]; then
  ph_warn "CI is set: ignoring PUREHEALTH_SKIP=$PUREHEALTH_SKIP"
  SKIP_LIST=",,"
fi

now_ms() { echo $(($(date +%s%N) / 1000000)); }
fmt_ms() { printf '%d.%d s' "$(($1 / 1000))" "$((($1 % 1000) / 100))"; }

record() {  # record ID STATUS TEXT
  ORDER+=("$1")
  RESULT[$1]="$2"
  case "$2" in
    PASS) N_PASS=$((N_PASS + 1)) ;;
    FAIL) N_FAIL=$((N_FAIL + 1)) ;;
    SKIP) N_SKIP=$((N_SKIP + 1)) ;;
  esac
  SUMMARY+=("$(printf '  %-4s %-16s %s' "$2" "$1" "$3")")
}
SUMMARY=()

ok() { [ "${RESULT[$1]:-}" = PASS ]; }

skip() {  # skip ID TITLE REASON
  printf '\n==> [%s] %s: SKIPPED (%s)\n' "$1" "$2" "$3"
  record "$1" SKIP "$2 ($3)"
}

# step ID TITLE CMD...: run CMD (a command or a function below) as `test.sh --run-step CMD...`
# in its own session with errexit on. A signal to this script stops the whole session, and the
# background processes the step started with ph_spawn are stopped when it ends.
step() {
  local id="$1" title="$2" start rc=0 dur pid
  shift 2
  if [[ "$SKIP_LIST" == *",$id,"* ]]; then
    skip "$id" "$title" "PUREHEALTH_SKIP"
    return 0
  fi
  printf '\n==> [%s] %s\n' "$id" "$title"
  start="$(now_ms)"
  setsid bash "$PH_ROOT/scripts/test.sh" --run-step "$@" </dev/null &
  pid=$!
  PH_STEP_PID="$pid"
  wait "$pid" || rc=$?
  PH_STEP_PID=""
  dur="$(fmt_ms $(($(now_ms) - start)))"
  if [ "$rc" -eq 0 ]; then
    printf '<== [%s] %s: PASS (%s)\n' "$id" "$title" "$dur"
    record "$id" PASS "$title ($dur)"
  else
    printf '<== [%s] %s: FAIL, exit %s (%s)\n' "$id" "$title" "$rc" "$dur"
    record "$id" FAIL "$title (exit $rc, $dur)"
  fi
  return 0
}

# ---- the steps ----------------------------------------------------------------------------------
printf 'Pure Health tests in %s (CARGO_TARGET_DIR=%s)\n' "$PH_ROOT" "$CARGO_TARGET_DIR"

step setup "setup (scripts/setup.sh --gui --test)" bash "$PH_ROOT/scripts/setup.sh" --gui --test --no-ui
step fmt "cargo fmt --check" cargo fmt --check
step ui-install "ui: npm ci (when needed)" ph_ui_install
if ok ui-install; then
  step ui-check "ui: npm run check" npm --prefix ui run check
  step ui-test "ui: npm test (vitest)" npm --prefix ui test
  step ui-build "ui: npm run build" npm --prefix ui run build
else
  for s in ui-check:check ui-test:test ui-build:build; do skip "${s%%:*}" "ui: npm ${s#*:}" "npm ci failed"; done
fi
step clippy-headless "cargo clippy --no-default-features --all-targets -D warnings" \
  cargo clippy --no-default-features --all-targets -- -D warnings
step clippy-gui "cargo clippy --all-targets -D warnings (gui)" \
  cargo clippy --features custom-protocol --all-targets -- -D warnings
# setup installed ONNX Runtime: the both-backends test must run, not skip.
export PUREHEALTH_REQUIRE_ORT=1
step test-headless "cargo test --no-default-features" cargo test --no-default-features
step build-headless "cargo build --no-default-features" cargo build --no-default-features
if ! ok build-headless; then
  skip e2e-browser "browser e2e (demo hub + Chromium)" "headless build failed"
elif ! ok ui-build; then
  skip e2e-browser "browser e2e (demo hub + Chromium)" "UI build failed"
else
  step e2e-browser "browser e2e (demo hub + Chromium)" e2e_browser
fi
step build-gui "cargo build ${PH_GUI_BUILD_ARGS[*]} (gui)" cargo build "${PH_GUI_BUILD_ARGS[@]}"
if ! ok build-gui; then
  skip e2e-tauri "Tauri e2e (Xvfb + tauri-driver)" "gui build failed"
elif ! ok ui-build; then
  skip e2e-tauri "Tauri e2e (Xvfb + tauri-driver)" "UI build failed"
else
  step e2e-tauri "Tauri e2e (Xvfb + tauri-driver)" e2e_tauri
fi

printf '\nSummary:\n'
printf '%s\n' "${SUMMARY[@]}"
if [ "$N_SKIP" -gt 0 ]; then
  printf '%d passed, %d failed, %d skipped\n' "$N_PASS" "$N_FAIL" "$N_SKIP"
else
  printf '%d passed, %d failed\n' "$N_PASS" "$N_FAIL"
fi
[ "$N_FAIL" -eq 0 ]
