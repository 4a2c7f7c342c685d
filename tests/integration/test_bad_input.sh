#!/usr/bin/env bash
# Every user mistake gets one clear error line and its own non-zero exit status;
# none changes the namespace.
source "$(dirname "$0")/lib.sh"
start_cluster
echo data > "$TEST_DIR/f"
cairn mkdir /d
cairn put "$TEST_DIR/f" /d/f

expect_exit 11 cairn stat /missing                  # not_found
expect_exit 11 cairn get /d/nope "$TEST_DIR/x"
expect_exit 11 cairn put "$TEST_DIR/f" /missing/f   # parent missing
expect_exit 11 cairn put "$TEST_DIR/no-such-local" /d/g
expect_exit 12 cairn put "$TEST_DIR/f" /d/f         # already_exists
expect_exit 12 cairn mkdir /d
expect_exit 12 cairn mv /d/f /d
cairn put "$TEST_DIR/f" /d/f2
expect_exit 12 cairn mv /d/f /d/f2
expect_exit 13 cairn rm /d                          # not_empty without -r
expect_exit 14 cairn put "$TEST_DIR/f" /d/f/g       # a file used as a directory
expect_exit 15 cairn get /d "$TEST_DIR/x"           # is_a_directory
expect_exit 16 cairn put "$TEST_DIR/f" relative/path
expect_exit 16 cairn mkdir "/d/$(printf 'n%.0s' $(seq 1 300))"
expect_exit 16 cairn mkdir /d/../e
expect_exit 16 cairn rm /
expect_exit 16 cairn mv /d /d/inside
expect_exit 16 cairn put --min 3 --final 2 "$TEST_DIR/f" /d/h
expect_exit 16 cairn put --min 2 --final 9 "$TEST_DIR/f" /d/h
expect_exit 16 cairn --cluster nonsense status
[ ! -e "$TEST_DIR/x" ] || fail "a failed get left a file behind"

# Usage errors exit 1 and print help text.
rc=0; cairn put > /dev/null 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "put without arguments must fail"

# Nothing above changed the namespace.
[ "$(cairn ls /d | tr '\n' ' ')" = "f f2 " ] || fail "namespace changed: $(cairn ls /d)"
# An unreachable cluster: unavailable.
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" || true; DAEMON_PID=""
expect_exit 22 cairn status
echo "ok"
