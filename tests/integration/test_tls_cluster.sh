#!/usr/bin/env bash
# Three cairnd processes on loopback, one host each, with a cluster secret and TLS: the
# hosts join over TLS, the CLI reads and writes through any host with a certificate of
# the cluster CA, and a client without TLS or with another CA's certificate is refused.
set -euo pipefail
CAIRN_BIN=$(cd "${CAIRN_BIN:?set CAIRN_BIN to the directory holding cairnd and cairn}" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
command -v openssl >/dev/null || { echo "SKIP: openssl is not installed"; exit 77; }
DIR=$(mktemp -d /tmp/cairn-tls.XXXXXX)
PIDS=()
cleanup() {
  local rc=$?
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ $rc -ne 0 ]; then tail -n 15 "$DIR"/*.out "$DIR"/data/*/logs/net.log 2>/dev/null || true; fi
  rm -rf "$DIR"
  exit $rc
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Six free loopback ports: three hosts, three admin servers.
read -r -a PORTS <<<"$(python3 -c '
import socket
socks = [socket.socket() for _ in range(6)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')"

bash "$ROOT/scripts/make-certs.sh" "$DIR/certs" 127.0.0.1 >/dev/null
bash "$ROOT/scripts/make-certs.sh" "$DIR/other" 127.0.0.1 >/dev/null   # another CA
head -c 32 /dev/urandom | base64 > "$DIR/secret"
chmod 600 "$DIR/secret"

names=(host-a host-b host-c)
for i in 0 1 2; do
  {
    cat <<TOML
[cluster]
name = "tls-test"
data_dir = "data"
secret_file = "secret"
chunk_size = "256KiB"
admin_listen = "127.0.0.1:${PORTS[$((i + 3))]}"
tls_cert = "certs/127.0.0.1.pem"
tls_key = "certs/127.0.0.1.key"
tls_ca = "certs/ca.pem"
TOML
    for j in 0 1 2; do
      role='"storage", "meta"'
      [ $j -eq 0 ] && role='"storage", "meta", "coordinator"'
      cat <<TOML
[[hosts]]
id = $((j + 1))
name = "${names[$j]}"
roles = [$role]
labels = { rack = "r$j" }
address = "127.0.0.1:${PORTS[$j]}"
TOML
    done
    printf '[host]\nname = "%s"\n' "${names[$i]}"
  } > "$DIR/${names[$i]}.toml"
done

cd "$DIR"
for i in 0 1 2; do
  "$CAIRN_BIN/cairnd" --config "${names[$i]}.toml" > "${names[$i]}.out" 2>&1 &
  PIDS+=($!)
done

ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/readyz")" = 200 ]; }
deadline=$((SECONDS + 60))
for i in 3 4 5; do
  until ready "${PORTS[$i]}"; do
    [ $SECONDS -lt $deadline ] || fail "host on admin port ${PORTS[$i]} not ready within 60 s"
    sleep 0.2
  done
done

tls=(--secret-file secret --tls-cert certs/127.0.0.1.pem --tls-key certs/127.0.0.1.key --tls-ca certs/ca.pem)
head -c 1000000 /dev/urandom > f1
"$CAIRN_BIN/cairn" --cluster "127.0.0.1:${PORTS[1]}" "${tls[@]}" put f1 /f1 >/dev/null
"$CAIRN_BIN/cairn" --cluster "127.0.0.1:${PORTS[2]}" "${tls[@]}" get /f1 g1 >/dev/null
cmp f1 g1 || fail "the file read back through host-c differs"

set +e
"$CAIRN_BIN/cairn" --cluster "127.0.0.1:${PORTS[0]}" --secret-file secret status > plain.out 2>&1
rc=$?
"$CAIRN_BIN/cairn" --cluster "127.0.0.1:${PORTS[0]}" --secret-file secret \
  --tls-cert other/127.0.0.1.pem --tls-key other/127.0.0.1.key --tls-ca other/ca.pem status > other.out 2>&1
rc_other=$?
set -e
[ $rc -ne 0 ] || fail "a client without TLS was served"
grep -q "during the handshake" plain.out || fail "unexpected error without TLS: $(cat plain.out)"
[ $rc_other -ne 0 ] || fail "a client with another CA's certificate was served"

# The hosts' own links ran the handshake under TLS; the refusals were counted.
curl -s "http://127.0.0.1:${PORTS[3]}/metrics" > metrics.txt
ok=$(awk '/^cairn_transport_handshakes_ok_total/ {print $2}' metrics.txt)
failed=$(awk '/^cairn_transport_handshakes_failed_total/ {print $2}' metrics.txt)
python3 -c "import sys; sys.exit(0 if float('${ok:-0}') >= 2 and float('${failed:-0}') >= 1 else 1)" ||
  fail "handshakes ok=${ok:-none} failed=${failed:-none} on host-a"
echo "PASS: TLS cluster (handshakes ok $ok, failed $failed)"
