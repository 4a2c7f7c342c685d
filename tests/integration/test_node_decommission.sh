#!/usr/bin/env bash
# Decommissioning a host of a real 4-host cairnd: a dry run changes nothing; --apply
# makes it draining; repair copies its chunks to the other hosts, its copies leave the
# metadata and its orphan scan deletes them; every file reads back byte-identical; then
# the operator marks it out, and it stays out while it answers heartbeats until it is
# recommissioned. Bad hosts and actions exit non-zero with one line.
source "$(dirname "$0")/lib.sh"
cat > "$TEST_DIR/cluster.toml" <<'TOML'
[cluster]
name = "test"
data_dir = "data"
listen = "127.0.0.1:0"
chunk_size = "64KiB"
min_replicas = 2
final_replicas = 3
shards = 3
request_timeout_ms = 5000
pending_ttl = "1s"
orphan_grace = "2s"
orphan_scan_interval = "1s"
[[hosts]]
id = 1
name = "host-a"
labels = { rack = "r1" }
[[hosts]]
id = 2
name = "host-b"
labels = { rack = "r2" }
[[hosts]]
id = 3
name = "host-c"
labels = { rack = "r3" }
[[hosts]]
id = 4
name = "host-d"
roles = ["storage"]
labels = { rack = "r4" }
TOML
start_daemon
mkdir -p "$TEST_DIR/src"
cairn mkdir /d > /dev/null
for i in 1 2 3 4 5 6; do
  random_file "$TEST_DIR/src/f$i" $(( i * 50000 ))
  cairn put "$TEST_DIR/src/f$i" "/d/f$i" > /dev/null
done
# field HOST KEY: a value from `cairn -o json status` for one host.
field() {
  cairn -o json status | python3 -c "
import json, sys
s = json.load(sys.stdin)
h = [h for h in s['hosts'] if h['name'] == '$1'][0]
print(h['state'] if '$2' == 'state' else h['storage']['$2'])"
}
queued() { cairn -o json status | python3 -c "import json,sys; print(json.load(sys.stdin)['under_replicated'])"; }
[ "$(field host-d chunks)" -gt 0 ] || fail "host-d holds no chunk before the decommission"

expect_exit 11 cairn node decommission no-such-host
cairn node decommission host-d | grep -q "dry run" || fail "a decommission without --apply is not a dry run"
[ "$(field host-d state)" = up ] || fail "a dry run changed host-d's state"
cairn node decommission host-d --apply > /dev/null
[ "$(field host-d state)" = draining ] || fail "host-d is not draining after --apply"
cairn node decommission host-d --apply | grep -q "nothing to do" ||
  fail "a repeated decommission should change nothing"
expect_exit 16 cairn node out host-a --apply   # up: neither down nor draining

# Repair restores every chunk on the 3 other hosts; host-d's copies leave the metadata
# and its orphan scan deletes them (orphan_grace 2 s).
for _ in $(seq 1 300); do   # up to 30 s on a slow machine
  [ "$(queued)" = 0 ] && [ "$(field host-d chunks)" = 0 ] && break
  sleep 0.1
done
[ "$(queued)" = 0 ] || fail "chunks still under-replicated: $(queued)"
[ "$(field host-d chunks)" = 0 ] || fail "host-d still holds $(field host-d chunks) chunks"
for i in 1 2 3 4 5 6; do
  cairn get "/d/f$i" "$TEST_DIR/check" > /dev/null || fail "f$i unreadable after the drain"
  cmp -s "$TEST_DIR/src/f$i" "$TEST_DIR/check" || fail "f$i differs after the drain"
  cairn stat "/d/f$i" | grep -q "host-d\|host 4" && fail "f$i still lists a replica on host-d"
done
cairn node out host-d --apply > /dev/null
# It keeps answering its observers' heartbeats; an operator's out must hold all the same
# (several heartbeat intervals), until it is recommissioned.
for _ in $(seq 1 30); do
  [ "$(field host-d state)" = out ] || fail "host-d left out by itself: $(field host-d state)"
  sleep 0.1
done
cairn node recommission host-d --apply > /dev/null
[ "$(field host-d state)" = up ] || fail "host-d is not up after recommission"
echo "ok: host-d drained, out, and recommissioned"
