# Shared helpers for the multi-host tests: one cairnd per host, each with its own config
# ([host] section), a cluster secret, the cairn CLI against any host. Sourced.
#   mh_setup N_FOUNDING N_LATER   free ports and a temp dir; hosts 1..N_FOUNDING found the
#                                 cluster (host 1 runs the coordinator), the rest join later
#   MH_HOST_IP[I]=IP              where host I is reached (set for every host first)
#   mh_config I                   writes $MH_DIR/host-I.toml
#   mh_start I [PREFIX...]        starts host I (PREFIX: e.g. ip netns exec NS)
#   mh_wait_ready I SECONDS       polls /readyz until 200
set -euo pipefail
CAIRN_BIN=$(cd "${CAIRN_BIN:?set CAIRN_BIN to the directory holding cairnd and cairn}" && pwd)
MH_DIR=$(mktemp -d /tmp/cairn-mh.XXXXXX)
declare -A MH_PID MH_IP MH_HOST_IP
MH_CLI_PREFIX=()
MH_EXTRA_CLEANUP=""
fail() { echo "FAIL: $*" >&2; exit 1; }

mh_cleanup() {
  local rc=$?
  # SIGTERM first: the logs shown below are flushed on a clean stop.
  for p in "${MH_PID[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  local deadline=$((SECONDS + 20))
  for p in "${MH_PID[@]}"; do
    while kill -0 "$p" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  if [ $rc -ne 0 ]; then
    for f in "$MH_DIR"/data/host-*/logs/{net,coordinator,cairnd}.log; do
      [ -f "$f" ] && { echo "--- $f"; tail -n "${MH_LOG_LINES:-8}" "$f"; }
    done
  fi
  [ -n "$MH_EXTRA_CLEANUP" ] && eval "$MH_EXTRA_CLEANUP"
  rm -rf "$MH_DIR"
  exit $rc
}
trap mh_cleanup EXIT

mh_setup() {
  MH_FOUNDING=$1
  MH_HOSTS=$(($1 + $2))
  read -r -a MH_PORT <<<"$(python3 -c "
import socket
s = [socket.socket() for _ in range(2 * $MH_HOSTS)]
for x in s: x.bind(('127.0.0.1', 0))
print(' '.join(str(x.getsockname()[1]) for x in s))")"
  head -c 32 /dev/urandom | base64 > "$MH_DIR/secret"
  chmod 600 "$MH_DIR/secret"
  export CAIRN_SECRET_FILE="$MH_DIR/secret"
}
port_of() { echo "${MH_PORT[$(($1 - 1))]}"; }
admin_of() { echo "${MH_PORT[$((MH_HOSTS + $1 - 1))]}"; }

# mh_config I: every host lists the founding hosts; host I is [host].
mh_config() {
  local i=$1 ip=${MH_HOST_IP[$1]} j
  MH_IP[$i]=$ip
  {
    cat <<TOML
[cluster]
name = "mh-test"
data_dir = "data"
secret_file = "secret"
seeds = ["${MH_HOST_IP[1]}:$(port_of 1)"]
admin_listen = "$ip:$(admin_of "$i")"
chunk_size = "256KiB"
min_replicas = 2
final_replicas = 3
heartbeat_interval = "500ms"
out_interval = "30m"
TOML
    for j in $(seq 1 "$MH_FOUNDING"); do
      local roles='"storage", "meta"'
      [ "$j" -eq 1 ] && roles='"storage", "meta", "coordinator"'
      printf '[[hosts]]\nid = %d\nname = "host-%d"\nroles = [%s]\nlabels = { rack = "r%d" }\naddress = "%s:%s"\n' \
        "$j" "$j" "$roles" "$j" "${MH_HOST_IP[$j]}" "$(port_of "$j")"
    done
    printf '[host]\nname = "host-%d"\n' "$i"
    if [ "$i" -gt "$MH_FOUNDING" ]; then
      printf 'id = %d\nroles = ["storage"]\nlabels = { rack = "r%d" }\naddress = "%s:%s"\n' \
        "$i" "$i" "$ip" "$(port_of "$i")"
    fi
  } > "$MH_DIR/host-$i.toml"
}

mh_start() {
  local i=$1
  shift
  (cd "$MH_DIR" && exec "$@" "$CAIRN_BIN/cairnd" --config "host-$i.toml" >> "host-$i.out" 2>&1) &
  MH_PID[$i]=$!
}

mh_wait_ready() {
  local i=$1 limit=$2 deadline=$((SECONDS + $2)) prefix=("${@:3}")
  until [ "$("${prefix[@]}" curl -s -o /dev/null -w '%{http_code}' "http://${MH_IP[$i]}:$(admin_of "$i")/readyz")" = 200 ]; do
    [ $SECONDS -lt $deadline ] || fail "host-$i not ready within $limit s"
    sleep 0.2
  done
}

# cairn_at I ARGS...: the CLI through host I.
cairn_at() {
  local i=$1
  shift
  "${MH_CLI_PREFIX[@]}" "$CAIRN_BIN/cairn" --cluster "${MH_IP[$i]}:$(port_of "$i")" "$@"
}

# host_state VIA HOST: host HOST's state in the map, asked through host VIA.
host_state() {
  cairn_at "$1" -o json status | python3 -c "
import json, sys
j = json.load(sys.stdin)
print(next(h['state'] for h in j['hosts'] if h['id'] == $2))"
}

# wait_state VIA HOST STATE SECONDS
wait_state() {
  local deadline=$((SECONDS + $4)) s=""
  while [ $SECONDS -lt $deadline ]; do
    s=$(host_state "$1" "$2" 2>/dev/null || true)
    [ "$s" = "$3" ] && return 0
    sleep 0.3
  done
  fail "host-$2 is '$s', not $3, after $4 s"
}

# Files written and acknowledged: name -> local copy.
MH_FILES=()
mh_put() { # VIA NAME SIZE
  head -c "$3" /dev/urandom > "$MH_DIR/$2"
  cairn_at "$1" put "$MH_DIR/$2" "/$2" >/dev/null && MH_FILES+=("$2")
}
mh_check_all() { # VIA: every acknowledged file reads back byte-identical
  local f
  for f in "${MH_FILES[@]}"; do
    cairn_at "$1" get "/$f" "$MH_DIR/$f.back" >/dev/null || fail "get /$f through host-$1 failed"
    cmp -s "$MH_DIR/$f" "$MH_DIR/$f.back" || fail "/$f read back through host-$1 differs"
    rm -f "$MH_DIR/$f.back"
  done
}
