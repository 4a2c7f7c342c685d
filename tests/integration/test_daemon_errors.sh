#!/usr/bin/env bash
# cairnd refuses bad configs and a second daemon on the same data, with one clear
# message and a distinct exit status; SIGTERM stops it cleanly with status 0.
source "$(dirname "$0")/lib.sh"

daemon_exit() {  # daemon_exit WANT ARGS...: cairnd must exit WANT and say why on stderr
  local want=$1; shift
  local rc=0
  (cd "$TEST_DIR" && "$CAIRN_BIN/cairnd" "$@") > "$TEST_DIR/out" 2> "$TEST_DIR/err" || rc=$?
  [ "$rc" -eq "$want" ] || { cat "$TEST_DIR/out" "$TEST_DIR/err"; fail "cairnd $* exited $rc, want $want"; }
  [ -s "$TEST_DIR/err" ] || fail "cairnd $* gave no reason"
}

daemon_exit 11 --config missing.toml
printf '[cluster]\nchunk_sise = "1MiB"\n[[hosts]]\nid = 1\nname = "a"\n' > "$TEST_DIR/typo.toml"
daemon_exit 16 --config typo.toml
grep -q 'typo.toml:2.*chunk_sise' "$TEST_DIR/err" || fail "typo not located: $(cat "$TEST_DIR/err")"
printf '[cluster]\nfinal_replicas = 3\n[[hosts]]\nid = 1\nname = "a"\n' > "$TEST_DIR/small.toml"
daemon_exit 16 --config small.toml
rc=0; "$CAIRN_BIN/cairnd" > /dev/null 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "cairnd without --config must fail"

start_cluster
# A port already in use: the daemon says so and exits (it used to hang after its roles
# had started). A second daemon on the same data is refused before anything starts.
sed -e "s|^data_dir = .*|data_dir = \"other\"|" -e "s|^listen = .*|listen = \"$CAIRN_CLUSTER\"|" \
  "$TEST_DIR/cluster.toml" > "$TEST_DIR/busy.toml"
timeout 60 bash -c "cd '$TEST_DIR' && '$CAIRN_BIN/cairnd' --config busy.toml" > "$TEST_DIR/out" 2> "$TEST_DIR/err" && rc=0 || rc=$?
[ "$rc" -eq 22 ] || { cat "$TEST_DIR/err"; fail "busy port: cairnd exited $rc, want 22 (124 = hung)"; }
daemon_exit 22 --config cluster.toml --listen 127.0.0.1:0
grep -q locked "$TEST_DIR/err" || fail "second daemon: $(cat "$TEST_DIR/err")"
kill -TERM "$DAEMON_PID"
rc=0; wait "$DAEMON_PID" || rc=$?
DAEMON_PID=""
[ "$rc" -eq 0 ] || fail "SIGTERM stop exited $rc"
echo "ok"
