#!/usr/bin/env bash
# The cost of one task transition (lock, read the state, change a phase,
# append one journal line with fsync, write the state whole with fsync and
# rename) on run states of 10, 1,000 and 100,000 tasks. Prints figures; no
# target is asserted.
#   KP_BINARY=path/to/kiro-parallel scripts/bench-transition.sh [sizes...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
binary=${KP_BINARY:-$root/${KP_BUILD_DIR:-build}/kiro-parallel}
[[ -x "$binary" ]] || { echo "bench-transition: no kiro-parallel binary at $binary" >&2; exit 1; }
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(10 1000 100000)

work=$(mktemp -d "${TMPDIR:-/tmp}/kp-bench-transition.XXXXXX")
trap 'rm -rf "$work"' EXIT

for n in "${sizes[@]}"; do
  repo="$work/r$n"
  spec="$repo/.kiro/specs/bench"
  mkdir -p "$spec"
  git -C "$repo" init -q
  printf '# Implementation Plan\n\n- [ ] 1. Bench\n' >"$spec/tasks.md"
  python3 - "$spec/.parallel_state.json" "$n" <<'PY'
import json, sys
path, n = sys.argv[1], int(sys.argv[2])
tasks = [{"id": f"{i // 10 + 1}.{i % 10 + 1}", "title": f"Task number {i} with a title of a usual length",
          "status": "running" if i == 0 else "pending", "worker": 0 if i == 0 else None,
          "deps": [f"{(i - 1) // 10 + 1}.{(i - 1) % 10 + 1}"] if i % 10 else [], "phase": "agent busy"}
         for i in range(n)]
json.dump({"version": 1, "spec": "bench", "config": {"max_parallel": 3}, "tasks": tasks}, open(path, "w"))
PY
  count=21
  [[ $n -ge 100000 ]] && count=11
  "$binary" bench-transition -C "$repo" bench --count "$count"
  echo "          journal $(wc -l <"$spec/logs/events.jsonl") lines, $(wc -c <"$spec/logs/events.jsonl") bytes"
done
