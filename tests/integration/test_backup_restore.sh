#!/usr/bin/env bash
# Hot backup and restore (docs/operations.md, "Backup and restore"): every LMDB
# environment is copied with `mdb_copy -c` while cairnd serves; after a restore the
# cluster is back at the copy: files written before it read back byte-identical, a file
# removed after it is back, files written after it are gone, and the cluster is healthy.
if ! command -v mdb_copy > /dev/null; then
  echo "skip: mdb_copy not found (Debian package lmdb-utils, see scripts/install-deps.sh)"
  exit 77
fi
source "$(dirname "$0")/lib.sh"

# wait_healthy: polls `cairn status` until HEALTH_OK with nothing under-replicated.
wait_healthy() {
  for _ in $(seq 1 600); do   # up to 30 s
    if cairn -o json status > "$TEST_DIR/status.json" 2> /dev/null &&
       [ "$(json_get "$TEST_DIR/status.json" "j['health']")" = HEALTH_OK ] &&
       [ "$(json_get "$TEST_DIR/status.json" "j['under_replicated']")" = 0 ]; then
      return 0
    fi
    sleep 0.05
  done
  cat "$TEST_DIR/status.json" >&2 || true
  fail "cluster not HEALTH_OK within 30 s: $1"
}

# stop_daemon: SIGTERM, then cairnd must exit 0 within 60 s.
stop_daemon() {
  kill -TERM "$DAEMON_PID"
  for _ in $(seq 1 1200); do
    kill -0 "$DAEMON_PID" 2> /dev/null || break
    sleep 0.05
  done
  kill -0 "$DAEMON_PID" 2> /dev/null && fail "cairnd still running 60 s after SIGTERM"
  local rc=0
  wait "$DAEMON_PID" || rc=$?
  DAEMON_PID=""
  [ "$rc" -eq 0 ] || fail "SIGTERM stop exited $rc"
}

start_cluster
mkdir -p "$TEST_DIR/src"
cairn mkdir /a
for i in 1 2 3 4 5 6; do   # 64 KiB chunks: most files span several
  random_file "$TEST_DIR/src/a$i" $(( i * 50000 + 123 ))
  cairn put "$TEST_DIR/src/a$i" "/a/f$i" > /dev/null
done
wait_healthy "before the copy"

# Every LMDB environment of the data dir: a meta shard per shard, the coordinator's map
# store, a chunk index per storage node. Meta and coordinator first, chunk indexes
# after, so the indexes hold every chunk the copied metadata names.
data="$TEST_DIR/data"
mapfile -t envs < <(cd "$data" && find . -name data.mdb -printf '%h\n' | sed 's|^\./||' | sort)
printf '%s\n' "${envs[@]}" > "$TEST_DIR/envs"
[ "$(grep -c '/meta-[0-9]*$' "$TEST_DIR/envs")" = 3 ] || fail "want 3 meta envs: ${envs[*]}"
[ "$(grep -c '/coordinator$' "$TEST_DIR/envs")" = 1 ] || fail "want 1 coordinator env: ${envs[*]}"
[ "$(grep -c '/storage/index$' "$TEST_DIR/envs")" = 3 ] || fail "want 3 chunk indexes: ${envs[*]}"
[ "${#envs[@]}" = 7 ] || fail "unexpected LMDB envs: ${envs[*]}"
ordered=$(grep -v '/storage/index$' "$TEST_DIR/envs"; grep '/storage/index$' "$TEST_DIR/envs")
for env in $ordered; do
  mkdir -p "$TEST_DIR/backup/$env"
  mdb_copy -c "$data/$env" "$TEST_DIR/backup/$env" || fail "mdb_copy of $env failed"
  [ -s "$TEST_DIR/backup/$env/data.mdb" ] || fail "mdb_copy wrote no data for $env"
done

# After the copy: new files B, and one of A removed.
cairn mkdir /b
for i in 1 2 3; do
  random_file "$TEST_DIR/src/b$i" $(( i * 70000 + 7 ))
  cairn put "$TEST_DIR/src/b$i" "/b/f$i" > /dev/null
done
cairn put "$TEST_DIR/src/b1" /a/late > /dev/null
cairn rm /a/f6
expect_exit 11 cairn stat /a/f6
cairn get /b/f2 "$TEST_DIR/check" > /dev/null
cmp -s "$TEST_DIR/src/b2" "$TEST_DIR/check" || fail "B written after the copy does not read back"

# Restore: stop, replace each live environment with its copy, start.
stop_daemon
for env in $ordered; do
  rm -rf "${data:?}/$env"
  cp -a "$TEST_DIR/backup/$env" "$data/$env"
done
start_daemon

for i in 1 2 3 4 5 6; do
  cairn get "/a/f$i" "$TEST_DIR/check" > /dev/null || fail "/a/f$i unreadable after the restore"
  cmp -s "$TEST_DIR/src/a$i" "$TEST_DIR/check" || fail "/a/f$i differs after the restore"
done
expect_exit 11 cairn stat /b
expect_exit 11 cairn get /a/late "$TEST_DIR/check"
[ "$(cairn ls /a | sort | tr '\n' ' ')" = "f1 f2 f3 f4 f5 f6 " ] || fail "/a after the restore: $(cairn ls /a)"
wait_healthy "after the restore"
cairn status > "$TEST_DIR/status.txt"
grep -q HEALTH_OK "$TEST_DIR/status.txt" || fail "cairn status: $(cat "$TEST_DIR/status.txt")"
echo "ok: ${#envs[@]} LMDB environments copied hot and restored; 6 files back, 4 later ones gone"
