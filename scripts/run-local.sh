#!/usr/bin/env bash
# `make run`: starts the local 3-host cluster in one cairnd process, writes a few files
# with the cairn CLI, reads them back and verifies them, prints `cairn status`, then
# keeps cairnd in the foreground until Ctrl-C.
set -euo pipefail
build=${1:-build}
bin="$build/bin"
config=examples/local.toml
cluster=127.0.0.1:7400
export CAIRN_CLUSTER=$cluster

"$bin/cairnd" --config "$config" &
daemon=$!
stop() { kill -TERM "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; }
trap stop EXIT
# Ctrl-C reaches cairnd too (same process group); it stops cleanly on its own.
trap 'wait "$daemon" 2>/dev/null; trap - EXIT; exit 0' INT TERM

# Wait until cairnd answers (it prints its address once serving).
for _ in $(seq 1 100); do
  "$bin/cairn" status >/dev/null 2>&1 && break
  kill -0 "$daemon" 2>/dev/null || { echo "run: cairnd exited; see data/local/logs/"; exit 1; }
  sleep 0.1
done

work=$(mktemp -d)
trap 'rm -rf "$work"; stop' EXIT
trap 'rm -rf "$work"; wait "$daemon" 2>/dev/null; trap - EXIT; exit 0' INT TERM
echo "hello from cairn" > "$work/hello.txt"
head -c $((10 * 1024 * 1024 + 123)) /dev/urandom > "$work/big.bin"   # 3 chunks of 4 MiB
: > "$work/empty"

run="/demo-$(date +%s)"
set -x
"$bin/cairn" mkdir -p "$run/docs"
"$bin/cairn" put "$work/hello.txt" "$run/docs/hello.txt"
"$bin/cairn" put "$work/big.bin" "$run/big.bin"
"$bin/cairn" put "$work/empty" "$run/empty"
"$bin/cairn" ls -l "$run"
"$bin/cairn" stat "$run/big.bin"
"$bin/cairn" get "$run/big.bin" "$work/big.out"
"$bin/cairn" get "$run/docs/hello.txt" -
"$bin/cairn" mv "$run/docs/hello.txt" "$run/hello.txt"
set +x
cmp "$work/big.bin" "$work/big.out" && echo "run: big.bin read back byte-identical"
"$bin/cairn" status
echo
echo "run: cairnd is serving on $cluster (data in data/local). Try: $bin/cairn ls $run"
echo "run: press Ctrl-C to stop."
wait "$daemon"
