#!/usr/bin/env bash
# Simulation speed (docs/benchmarks.md): simulated seconds per wall second at 9 and 30
# hosts under the default 200 ops/s workload with swarm faults, over a fixed seed set.
# Usage: scripts/sim-bench.sh [build-dir] [seeds] [duration]
set -euo pipefail
build=${1:-build}
seeds=${2:-1-10}
duration=${3:-5m}
sim="$build/bin/cairn-sim"
[[ -x $sim ]] || { echo "sim-bench: $sim not built (make build)" >&2; exit 2; }
for hosts in 9 30; do
  out=$(mktemp)
  # Checker verdicts do not matter here; the speed does.
  "$sim" --seeds "$seeds" --hosts "$hosts" --duration "$duration" --rate 200 -o json >"$out" || true
  python3 - "$out" "$hosts" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
seeds = [r for r in runs if 'seed' in r]
summary = [r for r in runs if 'summary' in r][0]['summary']
ratios = sorted(r['sim_real_ratio'] for r in seeds)
ops = sum(sum(k['acked'] + k['failed'] for k in r['ops'].values() if isinstance(k, dict)) for r in seeds)
print(f"{sys.argv[2]:>3} hosts: {len(seeds)} seeds, {summary['sim_seconds']:.0f} s simulated in "
      f"{summary['wall_seconds']:.1f} s wall: {summary['sim_real_ratio']:.0f}:1 overall, "
      f"median seed {statistics.median(ratios):.0f}:1, slowest seed {ratios[0]:.0f}:1, "
      f"{ops} operations")
PY
  rm -f "$out"
done
