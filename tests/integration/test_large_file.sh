#!/usr/bin/env bash
# A 1 GiB file (256 chunks of 4 MiB) goes in and comes back byte-identical, streamed
# with bounded memory on both sides.
source "$(dirname "$0")/lib.sh"
# 1 GiB of source plus 3 GiB of replicas: skip (ctest shows it) where /tmp is small.
free_kib=$(df -Pk "$TEST_DIR" | awk 'NR==2 {print $4}')
if [ "$free_kib" -lt $((6 * 1024 * 1024)) ]; then
  echo "SKIP: needs 6 GiB free in $TEST_DIR, has $((free_kib / 1024)) MiB"
  exit 77
fi
write_config 'chunk_size = "4MiB"'
sed -i 's/^chunk_size = "64KiB"$//' "$TEST_DIR/cluster.toml"
start_daemon
head -c $((1024 * 1024 * 1024)) /dev/urandom > "$TEST_DIR/big"
cairn put "$TEST_DIR/big" /big
cairn -o json stat /big > "$TEST_DIR/stat.json"
[ "$(json_get "$TEST_DIR/stat.json" "len(j['chunks'])")" = 256 ] || fail "want 256 chunks"
cairn get /big - | cmp - "$TEST_DIR/big" || fail "1 GiB file differs"
echo "ok"
