# shellcheck shell=bash
# Shared helpers for scripts/setup.sh, scripts/run.sh and scripts/test.sh.
# Source it; it sets no shell options and starts nothing by itself.

PH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PH_ROOT

# Build output lives outside the clone so that it survives fresh CI clones.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/purehealth/target}"
PH_CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
case ":$PATH:" in
  *":$PH_CARGO_HOME/bin:"*) ;;
  *) PATH="$PH_CARGO_HOME/bin:$PATH" ;;
esac
export PATH

# Used by the scripts that source this file.
export PH_TAURI_DRIVER_VERSION="2.1.0"
export PH_RUST_MIN="1.90"
export PH_NODE_MIN_TEXT="^20.19 or >=22.12 (Vite 8)"

# ONNX Runtime for forecasts: the shared library from the PyPI wheel (stack.md §4). The app
# looks for it here (and at ORT_DYLIB_PATH, and next to its binary).
PH_ORT_VERSION=1.32.0
PH_ORT_DIR="${PUREHEALTH_ORT_DIR:-$HOME/.local/lib/purehealth}"

ph_log()  { printf '[purehealth] %s\n' "$*" >&2; }
ph_warn() { printf '[purehealth] WARNING: %s\n' "$*" >&2; }
ph_die()  { printf '[purehealth] ERROR: %s\n' "$*" >&2; exit 1; }
ph_have() { command -v "$1" >/dev/null 2>&1; }

# ph_version_ge A B: true when dotted version A >= B.
ph_version_ge() {
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

# Node.js satisfying Vite 8's engines field: ^20.19.0 || >=22.12.0.
ph_node_ok() {
  ph_have node || return 1
  local v
  v="$(node --version 2>/dev/null)" || return 1
  v="${v#v}"
  case "$v" in
    20.*) ph_version_ge "$v" 20.19.0 ;;
    21.*) return 1 ;;
    22.*) ph_version_ge "$v" 22.12.0 ;;
    *) ph_version_ge "$v" 23.0.0 ;;
  esac
}

# Run a command as root: directly when root, else through sudo. Fails if neither is possible.
ph_as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif ph_have sudo; then
    sudo "$@"
  else
    return 1
  fi
}

# tauri-driver at the pinned version, installed by `cargo install` (read from cargo's
# install records, without running cargo).
ph_tauri_driver_ok() {
  local bin="$PH_CARGO_HOME/bin/tauri-driver"
  [ -x "$bin" ] || return 1
  grep -qs "tauri-driver $PH_TAURI_DRIVER_VERSION " "$PH_CARGO_HOME/.crates.toml" \
    || grep -qs "\"tauri-driver $PH_TAURI_DRIVER_VERSION " "$PH_CARGO_HOME/.crates2.json"
}

# ---- UI dependencies ------------------------------------------------------------------------

# True when ui/node_modules is missing or older than ui/package-lock.json (or package.json).
ph_ui_needs_install() {
  local stamp="$PH_ROOT/ui/node_modules/.package-lock.json"
  [ -f "$stamp" ] || return 0
  [ "$PH_ROOT/ui/package-lock.json" -nt "$stamp" ] && return 0
  [ "$PH_ROOT/ui/package.json" -nt "$stamp" ] && return 0
  return 1
}

# npm ci in ui/ when needed.
ph_ui_install() {
  [ -f "$PH_ROOT/ui/package.json" ] || { ph_log "ui/package.json missing: no UI to install"; return 1; }
  [ -f "$PH_ROOT/ui/package-lock.json" ] \
    || { ph_log "ui/package-lock.json missing: commit it (npm ci needs it)"; return 1; }
  if ph_ui_needs_install; then
    ph_log "npm ci in ui/"
    npm --prefix "$PH_ROOT/ui" ci --no-audit --no-fund
  else
    ph_log "ui/node_modules is up to date with ui/package-lock.json"
  fi
}

# Run a node script from tests/e2e so that bare imports (playwright-core) resolve from
# ui/node_modules. NODE_PATH only helps require(); ES module imports resolve from the file's
# folder upwards, so a (gitignored) symlink tests/e2e/node_modules -> ui/node_modules is made.
ph_e2e_node() {
  local link="$PH_ROOT/tests/e2e/node_modules"
  if [ ! -e "$link" ] && [ ! -L "$link" ] && [ -d "$PH_ROOT/ui/node_modules" ]; then
    ln -s ../../ui/node_modules "$link"
    if [ -n "${PH_TMP:-}" ]; then echo "$link" >>"$PH_TMP/.links"; fi
  fi
  (cd "$PH_ROOT" && NODE_PATH="$PH_ROOT/ui/node_modules${NODE_PATH:+:$NODE_PATH}" node "$@")
}

# ---- ports -----------------------------------------------------------------------------------

# ph_free_ports N: print N distinct free TCP ports on 127.0.0.1, space separated.
# All sockets are bound at once (port 0) so the N ports differ, then released.
ph_free_ports() {
  local n="${1:-1}" ports
  if ph_have python3; then
    ports="$(python3 - "$n" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
EOF
)" || return 1
  else
    # Fallback: random high ports that nothing listens on.
    local p list=" "
    while [ "$(wc -w <<<"$list")" -lt "$n" ]; do
      p=$((20000 + RANDOM % 40000))
      case "$list" in *" $p "*) continue ;; esac
      ph_port_open 127.0.0.1 "$p" && continue
      list="$list$p "
    done
    ports="${list# }"
    ports="${ports% }"
  fi
  if [ -n "${PH_TMP:-}" ]; then printf '%s\n' "$ports" | tr ' ' '\n' >>"$PH_TMP/.ports"; fi
  printf '%s\n' "$ports"
}

# ph_port_open HOST PORT: true when something accepts TCP connections there.
ph_port_open() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# ph_wait_port HOST PORT TIMEOUT_S [PID]: wait until the port accepts connections; give up
# early when PID (the process expected to listen) has exited.
ph_wait_port() {
  local host="$1" port="$2" timeout="$3" pid="${4:-}" deadline
  deadline=$((SECONDS + timeout))
  while [ "$SECONDS" -lt "$deadline" ]; do
    ph_port_open "$host" "$port" && return 0
    if [ -n "$pid" ] && ! ph_alive "$pid"; then
      ph_log "process $pid exited before $host:$port opened"
      return 1
    fi
    sleep 0.2
  done
  ph_log "timed out after ${timeout}s waiting for $host:$port"
  return 1
}

# ph_wait_http URL TIMEOUT_S [PID]: wait until URL answers 2xx.
ph_wait_http() {
  local url="$1" timeout="$2" pid="${3:-}" deadline
  deadline=$((SECONDS + timeout))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if curl -fsS --max-time 2 -o /dev/null "$url" 2>/dev/null; then return 0; fi
    if [ -n "$pid" ] && ! ph_alive "$pid"; then
      ph_log "process $pid exited before $url answered"
      return 1
    fi
    sleep 0.5
  done
  ph_log "timed out after ${timeout}s waiting for $url"
  return 1
}

# ---- processes and temp dirs -----------------------------------------------------------------
# Everything temporary lives under one $PH_TMP; background processes are started in their own
# session (setsid) and recorded in $PH_TMP/.pids, so the whole process tree of each one can be
# killed. ph_runtime_init installs the EXIT trap in the calling shell.

ph_runtime_init() {
  PH_TMP="$(mktemp -d "${TMPDIR:-/tmp}/purehealth.XXXXXX")"
  export PH_TMP
  : >"$PH_TMP/.pids"
  : >"$PH_TMP/.ports"
  : >"$PH_TMP/.links"
  trap ph_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# ph_tmpdir NAME: make and print a fresh directory under $PH_TMP.
ph_tmpdir() {
  mktemp -d "$PH_TMP/$1.XXXXXX"
}

# ph_alive PID: the process exists and is not a zombie.
ph_alive() {
  local st
  st="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
  [ -n "$st" ] && [[ "$st" != Z* ]]
}

# ph_session_alive SID: some non-zombie process is left in session SID.
ph_session_alive() {
  local st
  while read -r st; do
    [[ "$st" == Z* ]] || return 0
  done < <(ps -o stat= -s "$1" 2>/dev/null)
  return 1
}

# ph_spawn LOG CMD...: start CMD in the background in a new session; LOG "-" keeps the
# caller's stdout/stderr. Sets PH_LAST_PID (= session id = process group id).
ph_spawn() {
  local log="$1"
  shift
  if [ "$log" = "-" ]; then
    setsid "$@" </dev/null &
  else
    setsid "$@" </dev/null >"$log" 2>&1 &
  fi
  PH_LAST_PID=$!
  echo "$PH_LAST_PID" >>"$PH_TMP/.pids"
}

# ph_stop PID: SIGTERM the session/process group of PID, SIGKILL after 10 s.
ph_stop() {
  local pid="$1" i
  [ -n "$pid" ] || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  # Members of the session in other process groups (e.g. under timeout(1)).
  pkill -TERM -s "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    ph_session_alive "$pid" || ph_alive "$pid" || break
    sleep 0.1
  done
  if ph_session_alive "$pid" || ph_alive "$pid"; then
    ph_warn "process group $pid ignored SIGTERM for 10 s: SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    # Members that left the group with their own setsid are still in the session.
    pkill -KILL -s "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# Stop every recorded background process (used at the end of each test step and on exit).
ph_stop_all() {
  [ -n "${PH_TMP:-}" ] && [ -f "$PH_TMP/.pids" ] || return 0
  local pid
  while read -r pid; do
    ph_stop "$pid"
  done <"$PH_TMP/.pids"
  : >"$PH_TMP/.pids"
}

ph_cleanup() {
  local rc=$? port link
  trap - EXIT INT TERM
  if [ -n "${PH_TMP:-}" ] && [ -d "$PH_TMP" ]; then
    # A running step of scripts/test.sh (its own session) first, then what was spawned.
    if [ -n "${PH_STEP_PID:-}" ]; then ph_stop "$PH_STEP_PID"; fi
    ph_stop_all
    while read -r link; do
      [ -L "$link" ] && rm -f "$link"
    done <"$PH_TMP/.links"
    while read -r port; do
      [ -n "$port" ] || continue
      if ph_port_open 127.0.0.1 "$port"; then
        ph_warn "port 127.0.0.1:$port is still listening after cleanup"
      fi
    done < <(sort -u "$PH_TMP/.ports")
    rm -rf "$PH_TMP"
  fi
  exit "$rc"
}

# Downloads the onnxruntime wheel (no dependencies) from PyPI and keeps only its shared library.
ph_install_onnxruntime() {
  local tmp
  ph_have python3 || { ph_warn "python3 is needed to fetch the onnxruntime wheel"; return 1; }
  tmp="$(mktemp -d)"
  if ! python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" \
       "onnxruntime==$PH_ORT_VERSION" >&2; then
    rm -rf "$tmp"; return 1
  fi
  mkdir -p "$PH_ORT_DIR" || { rm -rf "$tmp"; return 1; }
  if ! python3 - "$tmp" "$PH_ORT_DIR" "$PH_ORT_VERSION" <<'PY'
import glob, os, sys, zipfile
tmp, dest, version = sys.argv[1:]
wheel = glob.glob(os.path.join(tmp, "onnxruntime-*.whl"))[0]
name = f"onnxruntime/capi/libonnxruntime.so.{version}"
with zipfile.ZipFile(wheel) as z, open(os.path.join(dest, f"libonnxruntime.so.{version}"), "wb") as out:
    out.write(z.read(name))
link = os.path.join(dest, "libonnxruntime.so")
if os.path.lexists(link):
    os.remove(link)
os.symlink(f"libonnxruntime.so.{version}", link)
with open(os.path.join(dest, "VERSION"), "w") as f:
    f.write(version + "\n")
PY
  then
    rm -rf "$tmp"; return 1
  fi
  rm -rf "$tmp"
}
