#!/usr/bin/env bash
# Issue 5's multi-host scenario over a real network: four hosts, each cairnd in its own
# network namespace, joined by veth links to a bridge in a fifth namespace (the switch).
# A host is killed with SIGKILL and restarted; another host's link is cut
# (`ip link set ... down`) while writes go on, then restored. Every acknowledged file
# must read back byte-identical, and both hosts must come back up.
# Skips (77) where network namespaces cannot be made (not root, no CAP_SYS_ADMIN).
source "$(dirname "$0")/lib_multihost.sh"

tag=$$
if ! ip netns add "cairn-probe-$tag" 2>/dev/null; then
  echo "SKIP: cannot create network namespaces here (needs root and iproute2)"
  exit 77
fi
ip netns del "cairn-probe-$tag"
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }

sw="cairn-sw-$tag"
ns() { echo "cairn-h$1-$tag"; }
MH_EXTRA_CLEANUP="for n in \$(ip netns list | awk '{print \$1}' | grep -- '-$tag\$'); do ip netns del \$n; done"

mh_setup 4 0
ip netns add "$sw"
ip -n "$sw" link add br0 type bridge
ip -n "$sw" link set br0 up
for i in 1 2 3 4; do
  ip netns add "$(ns "$i")"
  ip link add "vh$i" netns "$(ns "$i")" type veth peer name "vs$i" netns "$sw"
  ip -n "$sw" link set "vs$i" master br0
  ip -n "$sw" link set "vs$i" up
  ip -n "$(ns "$i")" addr add "10.77.0.$i/24" dev "vh$i"
  ip -n "$(ns "$i")" link set "vh$i" up
  ip -n "$(ns "$i")" link set lo up
  MH_HOST_IP[$i]=10.77.0.$i
done
for i in 1 2 3 4; do mh_config "$i"; done
for i in 1 2 3 4; do mh_start "$i" ip netns exec "$(ns "$i")"; done
for i in 1 2 3 4; do mh_wait_ready "$i" 60 ip netns exec "$(ns "$i")"; done
MH_CLI_PREFIX=(ip netns exec "$(ns 1)")

n=0
for size in 5000 600000; do
  for via in 1 2 3 4; do mh_put "$via" "f$((n++))" "$size"; done
done

# SIGKILL host 4, write meanwhile, restart it.
kill -KILL "${MH_PID[4]}"
wait "${MH_PID[4]}" 2>/dev/null || true
wait_state 1 4 down 30
for via in 1 2 3; do mh_put "$via" "f$((n++))" 300000; done
mh_start 4 ip netns exec "$(ns 4)"
mh_wait_ready 4 60 ip netns exec "$(ns 4)"
wait_state 1 4 up 30

# Cut host 3's link at the switch: it is declared down; writes go on; restore it.
ip -n "$sw" link set vs3 down
wait_state 1 3 down 30
for via in 1 2 4; do mh_put "$via" "f$((n++))" 300000; done
ip -n "$sw" link set vs3 up
wait_state 1 3 up 60

for via in 1 3; do mh_check_all "$via"; done
deadline=$((SECONDS + 90))
until cairn_at 1 status | grep -q HEALTH_OK; do
  [ $SECONDS -lt $deadline ] || fail "no HEALTH_OK within 90 s: $(cairn_at 1 status)"
  sleep 1
done
echo "PASS: ${#MH_FILES[@]} files intact across 4 namespaced hosts after kill -9 and a cut link"
