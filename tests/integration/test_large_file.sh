#!/usr/bin/env bash
# A 1 GiB file (256 chunks of 4 MiB) goes in and comes back byte-identical, streamed
# with bounded memory on both sides.
source "$(dirname "$0")/lib.sh"
write_config 'chunk_size = "4MiB"'
sed -i 's/^chunk_size = "64KiB"$//' "$TEST_DIR/cluster.toml"
start_daemon
head -c $((1024 * 1024 * 1024)) /dev/urandom > "$TEST_DIR/big"
cairn put "$TEST_DIR/big" /big
cairn -o json stat /big > "$TEST_DIR/stat.json"
[ "$(json_get "$TEST_DIR/stat.json" "len(j['chunks'])")" = 256 ] || fail "want 256 chunks"
cairn get /big "$TEST_DIR/big.out"
cmp "$TEST_DIR/big" "$TEST_DIR/big.out" || fail "1 GiB file differs"
echo "ok"
