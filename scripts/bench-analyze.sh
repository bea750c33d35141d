#!/usr/bin/env bash
# Benchmarks `kiro-parallel analyze --json` on generated specs: 1,000, 10,000
# and 100,000 tasks (majors of 10 tasks, some (P), _Requirements:_ and
# _Depends:_ lines, a third completed), and a 10,000-deep dependency chain.
# Prints parse and plan time (KIRO_PARALLEL_TIMING=1) and wall time.
# Target: 100,000 tasks well under one second.
#   KP_BINARY=path/to/kiro-parallel scripts/bench-analyze.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
binary=${KP_BINARY:-}
if [[ -z "$binary" ]]; then
  binary="$root/${KP_BUILD_DIR:-build}/kiro-parallel"
  if [[ ! -x "$binary" ]]; then
    KP_BUILD_TYPE=${KP_BUILD_TYPE:-Release} "$root/scripts/build.sh" >/dev/null
  fi
fi
[[ -x "$binary" ]] || { echo "bench-analyze: no kiro-parallel binary at $binary" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/kp-bench-analyze.XXXXXX")
trap 'rm -rf "$work"' EXIT

# spec <name> <total tasks>: majors of 1 parent + 9 sub-tasks.
make_spec() {
  local name=$1 total=$2 dir="$work/$1/.kiro/specs/$1"
  mkdir -p "$dir"
  awk -v total="$total" 'BEGIN {
    print "# Implementation Plan\n"
    majors = int(total / 10)
    for (m = 1; m <= majors; m++) {
      printf "- [ ] %d. Major task %d with a **bold** word\n", m, m
      for (s = 1; s <= 9; s++) {
        mark = ((m * 9 + s) % 3 == 0) ? "x" : " "
        par = (s % 4 == 0) ? " (P)" : ""
        printf "- [%s] %d.%d%s Sub-task %d.%d: implement part of the feature\n", mark, m, s, par, m, s
        printf "  - Write the code and its tests\n  - _Requirements: %d.1-%d.3_\n", s, s
        if (s == 1 && m > 1) printf "  - _Depends: %d.9_\n", m - 1
      }
      print ""
    }
  }' > "$dir/tasks.md"
}

make_chain() {
  local name=$1 depth=$2 dir="$work/$1/.kiro/specs/$1"
  mkdir -p "$dir"
  awk -v depth="$depth" 'BEGIN {
    for (i = 1; i <= depth; i++) {
      printf "- [ ] %d. Step %d\n", i, i
      if (i > 1) printf "  - _Depends: %d_\n", i - 1
    }
  }' > "$dir/tasks.md"
}

run() {
  local name=$1 order=$2
  local start end out
  start=$(date +%s%N)
  out=$(KIRO_PARALLEL_TIMING=1 "$binary" analyze "$name" -C "$work/$name" --json --order "$order" 2>&1 >/dev/null)
  end=$(date +%s%N)
  local timing
  timing=$(grep '^timing:' <<<"$out" | sed 's/^timing: //' | paste -sd ';' - | sed 's/;/, /g' || true)
  printf '%-11s %-7s %-70s wall %7.1f ms\n' "$name" "$order" "$timing" "$(( (end - start) / 1000 ))e-3"
}

make_spec tasks-1k 1000
make_spec tasks-10k 10000
make_spec tasks-100k 100000
make_chain chain-10k 10000
echo "kiro-parallel analyze --json  ($binary)"
for spec in tasks-1k tasks-10k tasks-100k; do run "$spec" majors; done
run tasks-100k strict
run chain-10k majors
