#!/usr/bin/env bash
# `cairn health detail` and `cairn node tree` against a real cluster, table and JSON.
source "$(dirname "$0")/lib.sh"
start_cluster
cairn health detail | grep -qx HEALTH_OK || fail "health detail: $(cairn health detail)"
cairn -o json health detail > "$TEST_DIR/health.json"
[ "$(json_get "$TEST_DIR/health.json" "j['health']")" = HEALTH_OK ] || fail "health JSON"
[ "$(json_get "$TEST_DIR/health.json" "len(j['checks'])")" = 0 ] || fail "checks on a healthy cluster"
cairn -o json node tree > "$TEST_DIR/tree.json"
hosts=$(json_get "$TEST_DIR/tree.json" "sum(len(r['hosts']) for reg in j['regions'] for d in reg['dcs'] for c in d['clusters'] for r in c['racks'])")
[ "$hosts" = 3 ] || fail "node tree lists $hosts hosts, not 3"
cairn node tree | grep -q "rack" || fail "node tree table has no racks"
# A drained host shows in the tree; asking for a node action without a host is an error.
cairn node decommission 3 --apply >/dev/null
cairn node tree | grep -E "^3 .* draining" >/dev/null || fail "host 3 not draining in the tree: $(cairn node tree)"
expect_exit 16 cairn node decommission
echo "PASS: health detail and node tree"
