#!/usr/bin/env bash
# Bytes of a chunk replica flipped on disk: get still returns the right bytes from
# another replica, and the corruption is recorded (replica state, repair queue).
source "$(dirname "$0")/lib.sh"
start_cluster
random_file "$TEST_DIR/f" 5000
cairn put "$TEST_DIR/f" /victim
cairn -o json stat /victim > "$TEST_DIR/stat.json"
[ "$(json_get "$TEST_DIR/stat.json" "len(j['chunks'][0]['replicas'])")" = 3 ] || fail "want 3 replicas"

# Flip a byte inside the chunk's data on two of the three hosts (which the reader
# tries first is random). A segment ends in zero padding, so the chunk's bytes are
# found by searching the newest segment for a slice of the source file.
flip_chunk_byte() {
  local seg
  seg=$(ls -t "$TEST_DIR"/data/"$1"/storage/segments/*.seg | head -n 1)
  python3 - "$seg" "$TEST_DIR/f" <<'PY'
import sys
with open(sys.argv[2], "rb") as f:
    needle = f.read()[100:164]
with open(sys.argv[1], "r+b") as f:
    seg = f.read()
    at = seg.rfind(needle)
    if at < 0:
        sys.exit("chunk bytes not found in " + sys.argv[1])
    f.seek(at + 10); f.write(bytes([seg[at + 10] ^ 0xFF]))
PY
}
flip_chunk_byte host-a || fail "cannot corrupt host-a"
flip_chunk_byte host-b || fail "cannot corrupt host-b"

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
