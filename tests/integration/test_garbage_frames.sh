#!/usr/bin/env bash
# Garbage, an oversized header and a truncated frame on the client port: each such
# connection is closed and counted; the daemon keeps serving other clients.
source "$(dirname "$0")/lib.sh"
start_cluster
port=${CAIRN_CLUSTER##*:}
echo data > "$TEST_DIR/f"
cairn put "$TEST_DIR/f" /before

python3 - "$port" <<'PY'
import socket, struct, sys, time
port = int(sys.argv[1])
def send(payload, expect_close=True):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(payload)
    if expect_close:
        # The server must close the connection: recv returns b"" (EOF).
        s.settimeout(10)
        assert s.recv(1) == b"", "server kept a bad connection open"
    s.close()
send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")                 # garbage: bad magic
send(struct.pack("<II", 0x314E5243, 1 << 30))               # header announcing 1 GiB
send(struct.pack("<II", 0x314E5243, 64) + b"\xff" * 64)     # framed, but not Cap'n Proto
# Truncated frame: the peer hangs up half way. Nothing to read back; must not crash.
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(struct.pack("<II", 0x314E5243, 4096) + b"\0" * 100)
s.close()
PY

cairn put "$TEST_DIR/f" /after
cairn get /before - | cmp - "$TEST_DIR/f"
cairn -o json status > "$TEST_DIR/status.json"
closed=$(json_get "$TEST_DIR/status.json" "j['transport']['connections_closed_bad_frame']")
[ "$closed" -ge 3 ] || fail "expected >= 3 connections closed for bad frames, got $closed"
echo "ok"
