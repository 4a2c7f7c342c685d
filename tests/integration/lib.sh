# Shared helpers for integration tests: start a real cairnd on a free loopback port
# with its own data dir, drive the real cairn CLI, clean up on exit.
# Usage: source lib.sh; start_cluster [extra TOML for [cluster]] [per-host TOML lines]
set -euo pipefail

CAIRN_BIN=${CAIRN_BIN:?set CAIRN_BIN to the directory holding cairnd and cairn}
TEST_DIR=$(mktemp -d /tmp/cairn-test.XXXXXX)
DAEMON_PID=""
export CAIRN_CLUSTER=""

cleanup() {
  local rc=$?
  if [ -n "$DAEMON_PID" ]; then kill -TERM "$DAEMON_PID" 2>/dev/null || true; wait "$DAEMON_PID" 2>/dev/null || true; fi
  if [ $rc -ne 0 ] && [ -d "$TEST_DIR/data/logs" ]; then
    echo "--- cairnd logs (last lines) ---"; tail -n 20 "$TEST_DIR"/data/logs/*.log || true
  fi
  rm -rf "$TEST_DIR"
  exit $rc
}
trap cleanup EXIT

cairn() { "$CAIRN_BIN/cairn" "$@"; }

# write_config [cluster-extra] [host-extra]: three hosts, small chunks so tests are multi-chunk.
write_config() {
  cat > "$TEST_DIR/cluster.toml" <<TOML
[cluster]
name = "test"
data_dir = "data"
listen = "127.0.0.1:0"
chunk_size = "64KiB"
min_replicas = 2
final_replicas = 3
shards = 3
request_timeout_ms = 5000
${1:-}
[[hosts]]
id = 1
name = "host-a"
labels = { rack = "r1" }
${2:-}
[[hosts]]
id = 2
name = "host-b"
labels = { rack = "r2" }
${2:-}
[[hosts]]
id = 3
name = "host-c"
labels = { rack = "r3" }
${2:-}
TOML
}

# start_daemon: starts cairnd on the existing config and waits until it serves.
start_daemon() {
  rm -f "$TEST_DIR/port"
  (cd "$TEST_DIR" && exec "$CAIRN_BIN/cairnd" --config cluster.toml --port-file port) \
    > "$TEST_DIR/cairnd.out" 2>&1 &
  DAEMON_PID=$!
  for _ in $(seq 1 200); do
    [ -s "$TEST_DIR/port" ] && break
    if ! kill -0 "$DAEMON_PID" 2>/dev/null; then cat "$TEST_DIR/cairnd.out"; fail "cairnd exited at start"; fi
    sleep 0.05
  done
  [ -s "$TEST_DIR/port" ] || fail "cairnd did not start serving"
  export CAIRN_CLUSTER="127.0.0.1:$(cat "$TEST_DIR/port")"
}

start_cluster() { write_config "${1:-}" "${2:-}"; start_daemon; }

kill9_daemon() { kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true; DAEMON_PID=""; }

fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_exit CODE cmd...: the command must exit with CODE and print one error line.
expect_exit() {
  local want=$1; shift
  local rc=0
  "$@" > "$TEST_DIR/out" 2> "$TEST_DIR/err" || rc=$?
  [ "$rc" -eq "$want" ] || { cat "$TEST_DIR/out" "$TEST_DIR/err"; fail "'$*' exited $rc, want $want"; }
  [ "$(wc -l < "$TEST_DIR/err")" -eq 1 ] || { cat "$TEST_DIR/err"; fail "'$*' should print one error line"; }
}

# json_get FILE EXPR: evaluates a Python expression over the parsed JSON document `j`.
json_get() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

random_file() { head -c "$2" /dev/urandom > "$1"; }
