#!/usr/bin/env bash
# put/get/ls/stat/mkdir/rm/mv through the real CLI against a real cairnd: 0 bytes,
# one byte, multi-chunk files; table and JSON output.
source "$(dirname "$0")/lib.sh"
start_cluster

random_file "$TEST_DIR/one" 1
random_file "$TEST_DIR/multi" $((64 * 1024 * 5 + 17))   # 6 chunks of 64 KiB
: > "$TEST_DIR/empty"

cairn mkdir /a
cairn mkdir -p /a/b/c
cairn mkdir -p /a/b/c          # -p: existing is fine
for f in one multi empty; do cairn put "$TEST_DIR/$f" "/a/b/$f"; done
for f in one multi empty; do
  cairn get "/a/b/$f" "$TEST_DIR/$f.out"
  cmp "$TEST_DIR/$f" "$TEST_DIR/$f.out" || fail "$f did not read back byte-identical"
done
[ ! -e "$TEST_DIR/multi.out.cairn-partial" ] || fail "partial file left behind"
cairn get /a/b/one - > "$TEST_DIR/one.stdout"
cmp "$TEST_DIR/one" "$TEST_DIR/one.stdout" || fail "get to stdout differs"

[ "$(cairn ls /a/b | tr '\n' ' ')" = "c/ empty multi one " ] || fail "ls /a/b: $(cairn ls /a/b)"
cairn -o json ls -l /a/b > "$TEST_DIR/ls.json"
[ "$(json_get "$TEST_DIR/ls.json" "[e['size'] for e in j['entries'] if e['name']=='multi'][0]")" = $((64 * 1024 * 5 + 17)) ] \
  || fail "ls -l size"

cairn -o json stat /a/b/multi > "$TEST_DIR/stat.json"
[ "$(json_get "$TEST_DIR/stat.json" "len(j['chunks'])")" = 6 ] || fail "multi should have 6 chunks"
[ "$(json_get "$TEST_DIR/stat.json" "min(len(c['replicas']) for c in j['chunks'])")" -ge 2 ] || fail "a chunk below min"
[ "$(json_get "$TEST_DIR/stat.json" "j['state']")" = committed ] || fail "state"
cairn stat /a/b/multi | grep -q "chunks:   6" || fail "table stat"

# min/final per file.
cairn put --min 1 --final 1 "$TEST_DIR/one" /a/single
cairn -o json stat /a/single > "$TEST_DIR/single.json"
[ "$(json_get "$TEST_DIR/single.json" "j['final_replicas']")" = 1 ] || fail "final 1"

# Renames within and across directories (and so across shards), and of directories.
cairn mv /a/b/one /a/one-moved
cairn mv /a/b /a/b2
cairn mkdir /z
cairn mv /a/b2/multi /z/multi
cairn get /z/multi "$TEST_DIR/multi.moved"
cmp "$TEST_DIR/multi" "$TEST_DIR/multi.moved" || fail "moved file differs"
cairn get /a/one-moved "$TEST_DIR/one.moved" && cmp "$TEST_DIR/one" "$TEST_DIR/one.moved"
cairn ls /a/b2/c > /dev/null

cairn rm /a/one-moved
expect_exit 11 cairn stat /a/one-moved

# Every command speaks JSON with -o json.
cairn -o json mkdir /j > "$TEST_DIR/j1.json" && json_get "$TEST_DIR/j1.json" "j['created']" | grep -q True
cairn -o json put "$TEST_DIR/multi" /j/m > "$TEST_DIR/j2.json"
[ "$(json_get "$TEST_DIR/j2.json" "j['bytes']")" = $((64 * 1024 * 5 + 17)) ] || fail "put json"
cairn -o json get /j/m "$TEST_DIR/j.out" > "$TEST_DIR/j3.json"
[ "$(json_get "$TEST_DIR/j3.json" "j['crc32c']")" = "$(json_get "$TEST_DIR/j2.json" "j['crc32c']")" ] || fail "get json crc"
cairn -o json mv /j/m /j/n > "$TEST_DIR/j4.json" && json_get "$TEST_DIR/j4.json" "j['to']" | grep -q /j/n
cairn -o json rm -r /j > "$TEST_DIR/j5.json" && json_get "$TEST_DIR/j5.json" "j['removed']" | grep -q True
cairn rm -r /a
expect_exit 11 cairn ls /a
cairn -o json status > "$TEST_DIR/status.json"
[ "$(json_get "$TEST_DIR/status.json" "j['files']")" = 1 ] || fail "status should count the one remaining file: $(cat "$TEST_DIR/status.json")"
[ "$(json_get "$TEST_DIR/status.json" "len(j['hosts'])")" = 3 ] || fail "status hosts"
cairn status | grep -q "health:" || fail "table status"
echo "ok"
