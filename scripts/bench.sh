#!/usr/bin/env bash
# `make bench`: the benchmarks of docs/benchmarks.md against a fresh local 3-host
# cluster (examples/local.toml, data in a temporary directory, a free port).
# Usage: scripts/bench.sh [build-dir] [count-4k] [count-1m]
set -euo pipefail
build=${1:-build}
count_small=${2:-20000}
count_large=${3:-2000}
bin="$build/bin"
work=$(mktemp -d /tmp/cairn-bench.XXXXXX)
sed -e "s|^data_dir = .*|data_dir = \"$work/data\"|" -e 's|^listen = .*|listen = "127.0.0.1:0"|' \
  -e 's|^log_level = .*|log_level = "warn"|' examples/local.toml > "$work/bench.toml"
"$bin/cairnd" --config "$work/bench.toml" --port-file "$work/port" > "$work/cairnd.out" 2>&1 &
daemon=$!
trap 'kill -TERM $daemon 2>/dev/null; wait $daemon 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 200); do [ -s "$work/port" ] && break; sleep 0.05; done
export CAIRN_CLUSTER="127.0.0.1:$(cat "$work/port")"
for run in "put 4KiB $count_small" "get 4KiB $count_small" "put 1MiB $count_large" "get 1MiB $count_large"; do
  set -- $run
  "$bin/cairn" bench "$1" --size "$2" --count "$3" --inflight 16 --min 2 --final 3
done
