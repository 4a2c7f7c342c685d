#!/usr/bin/env bash
# The storage nodes' orphan scan in a real cairnd, with a grace period of seconds: it
# asks the meta shards about every chunk of committed files, pass after pass, and
# keeps them all (they are referenced); the daemon still stops promptly on SIGTERM.
source "$(dirname "$0")/lib.sh"
start_cluster 'pending_ttl = "1s"
orphan_grace = "2s"
orphan_scan_interval = "1s"
log_level = "debug"'
mkdir -p "$TEST_DIR/src"
cairn mkdir /keep
for i in 1 2 3 4; do
  random_file "$TEST_DIR/src/f$i" $(( i * 70000 ))   # 2-5 chunks of 64 KiB
  cairn put "$TEST_DIR/src/f$i" "/keep/f$i" > /dev/null
done
# Once every chunk is older than the grace period, a pass asks about every chunk on its
# host (scanned = checked) and finds them all referenced.
log="$TEST_DIR/data/logs/storage.log"
full_pass() {
  grep -E "orphan scan on host $1: pass [0-9]+ done: ([1-9][0-9]*) chunks scanned, \1 checked, \1 referenced, 0 orphans, 0 checks failed" "$log"
}
for _ in $(seq 1 200); do   # up to 20 s on a slow machine
  full_pass 1 > /dev/null && full_pass 2 > /dev/null && full_pass 3 > /dev/null && break
  sleep 0.1
done
replicas=0
for h in 1 2 3; do
  full_pass $h > /dev/null || { grep "orphan scan" "$log" | tail -n 10; fail "no full pass on host $h"; }
  n=$(full_pass $h | tail -n 1 | sed -E 's/.* done: ([0-9]+) chunks.*/\1/')
  replicas=$((replicas + n))
done
# 14 chunks of 64 KiB, each on at least min_replicas = 2 hosts.
[ "$replicas" -ge 28 ] || fail "the scans saw only $replicas chunk replicas"
if grep -E "orphan scan .*(deleted|[1-9][0-9]* orphans|[1-9][0-9]* checks failed)" "$log"; then
  fail "the orphan scan judged a referenced chunk an orphan, or a check failed"
fi
for i in 1 2 3 4; do
  cairn get "/keep/f$i" "$TEST_DIR/check" > /dev/null || fail "f$i unreadable after the scan"
  cmp -s "$TEST_DIR/src/f$i" "$TEST_DIR/check" || fail "f$i differs after the scan"
done
start=$(date +%s)
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" || fail "cairnd exited with $? on SIGTERM"
DAEMON_PID=""
[ $(( $(date +%s) - start )) -le 5 ] || fail "cairnd took more than 5 s to stop"
echo "ok: full scan passes kept every referenced chunk; cairnd stopped promptly"
