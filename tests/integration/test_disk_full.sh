#!/usr/bin/env bash
# A storage node without space answers no_space; a put that cannot reach min durable
# replicas fails with no_space and leaves no visible file; smaller files still fit.
source "$(dirname "$0")/lib.sh"
start_cluster "" 'capacity = "1MiB"'
random_file "$TEST_DIR/small" 100000
random_file "$TEST_DIR/big" $((3 * 1024 * 1024))
cairn put "$TEST_DIR/small" /small
expect_exit 19 cairn put "$TEST_DIR/big" /big
grep -q no_space "$TEST_DIR/err" || fail "error should name no_space: $(cat "$TEST_DIR/err")"
expect_exit 11 cairn stat /big
[ "$(cairn ls / | tr '\n' ' ')" = "small " ] || fail "half-visible file: $(cairn ls /)"
cairn get /small - | cmp - "$TEST_DIR/small"
echo "ok"
