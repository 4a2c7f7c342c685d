#!/usr/bin/env bash
# Bytes of a chunk replica flipped on disk: get still returns the right bytes from
# another replica, and the corruption is recorded (replica state, repair queue).
source "$(dirname "$0")/lib.sh"
start_cluster
random_file "$TEST_DIR/f" 5000
cairn put "$TEST_DIR/f" /victim
cairn -o json stat /victim > "$TEST_DIR/stat.json"
[ "$(json_get "$TEST_DIR/stat.json" "len(j['chunks'][0]['replicas'])")" = 3 ] || fail "want 3 replicas"

# The chunk is the last record appended to each node's newest segment: flip its
# last byte on two of the three hosts (which the reader tries first is random).
flip_last_byte() {
  local seg
  seg=$(ls -t "$TEST_DIR"/data/"$1"/storage/segments/*.seg | head -n 1)
  python3 - "$seg" <<'PY'
import os, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(-1, os.SEEK_END); b = f.read(1)
    f.seek(-1, os.SEEK_END); f.write(bytes([b[0] ^ 0xFF]))
PY
}
flip_last_byte host-a
flip_last_byte host-b

recorded=0
for _ in $(seq 1 30); do
  cairn get /victim "$TEST_DIR/out" > /dev/null
  cmp "$TEST_DIR/f" "$TEST_DIR/out" || fail "get returned wrong bytes"
  cairn -o json status > "$TEST_DIR/status.json"
  if [ "$(json_get "$TEST_DIR/status.json" "j['under_replicated']")" -ge 1 ]; then recorded=1; break; fi
done
[ $recorded = 1 ] || fail "corruption never recorded in the under-replicated queue"
cairn -o json stat /victim > "$TEST_DIR/stat.json"
[ "$(json_get "$TEST_DIR/stat.json" "sum(r['state']=='corrupt' for r in j['chunks'][0]['replicas'])")" -ge 1 ] \
  || fail "no replica marked corrupt: $(cat "$TEST_DIR/stat.json")"
echo "ok"
