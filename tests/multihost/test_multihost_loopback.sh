#!/usr/bin/env bash
# Issue 5's multi-host scenario with one cairnd process per host on loopback: three
# founding hosts and a fourth that joins through a seed; files written through every
# host; a host killed with SIGKILL and restarted; a host stopped with SIGTERM (it leaves:
# down at once) and restarted; a wrong secret and garbage before the handshake refused.
# Every acknowledged file must read back byte-identical through every host.
source "$(dirname "$0")/lib_multihost.sh"
mh_setup 3 1
for i in 1 2 3 4; do MH_HOST_IP[$i]=127.0.0.1; done
for i in 1 2 3 4; do mh_config "$i"; done
for i in 1 2 3; do mh_start "$i"; done
for i in 1 2 3; do mh_wait_ready "$i" 60; done

# Writes through each founding host; files span several 256 KiB chunks.
n=0
for size in 3000 300000 1500000; do
  for via in 1 2 3; do mh_put "$via" "f$((n++))" "$size"; done
done

# A host that joins later, through its seed.
mh_start 4
mh_wait_ready 4 60
wait_state 2 4 up 30
mh_put 4 "f$((n++))" 700000
mh_check_all 4

# SIGKILL host 3: declared down by its observers; writes go on (min 2 of 3 live hosts).
kill -KILL "${MH_PID[3]}"
wait "${MH_PID[3]}" 2>/dev/null || true
wait_state 1 3 down 30
for via in 1 2 4; do mh_put "$via" "f$((n++))" 400000; done
mh_check_all 2
mh_start 3
mh_wait_ready 3 60
wait_state 1 3 up 30

# SIGTERM host 2: it leaves cleanly, so it is down at once, not after detection.
kill -TERM "${MH_PID[2]}"
wait "${MH_PID[2]}" || fail "host-2 did not exit cleanly on SIGTERM"
s=$(host_state 1 2)
[ "$s" = down ] || fail "host-2 is $s, not down, right after leaving"
grep -q "left the cluster" "$MH_DIR/data/host-2/logs/net.log" || fail "host-2 did not log its leave"
mh_put 1 "f$((n++))" 500000
mh_start 2
mh_wait_ready 2 60
wait_state 1 2 up 30

# Authentication: a wrong secret is refused (exit 16: the client finds the server's proof
# does not match and hangs up); garbage before the handshake cuts the connection and is
# counted as a bad frame.
head -c 32 /dev/urandom | base64 > "$MH_DIR/wrong"
chmod 600 "$MH_DIR/wrong"
set +e
cairn_at 1 --secret-file "$MH_DIR/wrong" status > "$MH_DIR/wrong.out" 2>&1
rc=$?
set -e
[ $rc -eq 16 ] || fail "a wrong secret gave exit $rc: $(cat "$MH_DIR/wrong.out")"
grep -q "authentication failed" "$MH_DIR/wrong.out" || fail "no authentication error: $(cat "$MH_DIR/wrong.out")"
python3 - "$(port_of 1)" <<'PY' || fail "garbage before the handshake was not cut"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + bytes(range(256)))
# The port closes the connection: recv returns b"" (or the connection is reset).
try:
    while s.recv(4096):
        pass
except ConnectionResetError:
    pass
PY
metrics=$(curl -s "http://127.0.0.1:$(admin_of 1)/metrics")
grep -q '^cairn_requests_total{' <<<"$metrics" || fail "/metrics has no cairn_requests_total"
bad=$(awk '/^cairn_transport_connections_closed_bad_frame_total/ {print $2}' <<<"$metrics")
ok=$(awk '/^cairn_transport_handshakes_ok_total/ {print $2}' <<<"$metrics")
python3 -c "import sys; sys.exit(0 if float('${bad:-0}') >= 1 and float('${ok:-0}') >= 3 else 1)" ||
  fail "counters: bad frames ${bad:-none}, handshakes ok ${ok:-none}"

# Everything acknowledged reads back through every host; the cluster heals.
for via in 1 2 3 4; do mh_check_all "$via"; done
deadline=$((SECONDS + 90))
until cairn_at 1 status | grep -q HEALTH_OK; do
  [ $SECONDS -lt $deadline ] || fail "no HEALTH_OK within 90 s: $(cairn_at 1 status)"
  sleep 1
done
echo "PASS: ${#MH_FILES[@]} files intact across 4 hosts after kill -9, leave and join"
