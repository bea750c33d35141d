#!/usr/bin/env bash
# Benchmarks `kiro-parallel analyze --json` on generated specs: 1,000, 10,000
# and 100,000 tasks (majors of 10 tasks, some (P), _Requirements:_ and
# _Depends:_ lines, a third completed), and a 10,000-deep dependency chain.
# Prints wall time, CPU time (user+sys) and max RSS, for --json and for the
# human report, and under each run its phases as analyze measures them
# (KIRO_PARALLEL_TIMING=1: settings, parse, history, plan, output, their
# total, and the prediction, which runs on a thread of its own beside the
# output, with its own time). Wall time depends on the machine's load: the
# CPU time and the phases are the figures to compare.
# Target: 100,000 tasks, parsed, planned and printed, in under 0.1 s.
#   scripts/bench-analyze.sh   (builds build-release/ once, or KP_BUILD_DIR)
#   KP_BINARY=path/to/kiro-parallel scripts/bench-analyze.sh
#   KP_ORIGINAL="python3 /path/to/kiro_parallel.py" scripts/bench-analyze.sh
# KP_ORIGINAL: the original tool's command; it is run as `$KP_ORIGINAL analyze
# <spec>` in the spec's repository, and the ratio of wall times is printed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
binary=${KP_BINARY:-}
if [[ -z "$binary" ]]; then
  # A Release build of its own (build/ is usually RelWithDebInfo, for development).
  build_dir=${KP_BUILD_DIR:-build-release}
  binary="$root/$build_dir/kiro-parallel"
  if [[ ! -x "$binary" ]]; then
    KP_BUILD_DIR=$build_dir KP_BUILD_TYPE=${KP_BUILD_TYPE:-Release} "$root/scripts/build.sh" >/dev/null
  fi
fi
[[ -x "$binary" ]] || { echo "bench-analyze: no kiro-parallel binary at $binary" >&2; exit 1; }

# KP_BENCH_DIR: generate the specs there and keep them (to diff outputs or profile).
if [[ -n "${KP_BENCH_DIR:-}" ]]; then
  work=$KP_BENCH_DIR
  mkdir -p "$work"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/kp-bench-analyze.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi

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

# ranges <name> <total>: majors of 10 sub-tasks; sub-tasks 4-10 depend on a range ("_Depends: 7.1-7.3_").
make_ranges() {
  local name=$1 total=$2 dir="$work/$1/.kiro/specs/$1"
  mkdir -p "$dir"
  awk -v total="$total" 'BEGIN {
    for (m = 1; m <= int(total / 11); m++) {
      printf "- [ ] %d. Major %d\n", m, m
      for (s = 1; s <= 10; s++) {
        printf "- [ ] %d.%d Sub-task\n", m, s
        if (s >= 4) printf "  - _Depends: %d.1-%d.3_\n", m, m
      }
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

ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# run <spec> <order> [--json]: one line of figures.
run() {
  local name=$1 order=$2 format=${3:-}
  local start out wall timing rss cpu
  start=$(date +%s%N)
  out=$(KIRO_PARALLEL_TIMING=1 /usr/bin/time -f 'time: %M %U %S' "$binary" analyze "$name" -C "$work/$name" \
        ${format:+"$format"} --order "$order" 2>&1 >/dev/null)
  wall=$(ms_since "$start")
  timing=$(grep '^timing:' <<<"$out" | sed 's/^timing: //' | paste -sd ';' - | sed 's/;/, /g' || true)
  read -r rss cpu < <(awk '/^time:/ {printf "%d %.0f\n", $2 / 1024, ($3 + $4) * 1000}' <<<"$out")
  printf '%-11s %-8s %-6s wall %5d ms  cpu %5d ms  max RSS %4d MB\n' "$name" "$order" "${format:-human}" \
    "$wall" "$cpu" "$rss"
  printf '  phases: %s\n' "${timing:-none printed}"
  LAST_WALL=$wall
}

# original <spec>: the original tool's wall time on the same spec, and the ratio.
original() {
  local name=$1 start wall
  [[ -n "${KP_ORIGINAL:-}" ]] || return 0
  start=$(date +%s%N)
  (cd "$work/$name" && $KP_ORIGINAL analyze "$name" >/dev/null 2>&1) || echo "original: exit $? on $name" >&2
  wall=$(ms_since "$start")
  printf '%-11s original wall %5d ms  (%s)  ratio %sx\n' "$name" "$wall" "$KP_ORIGINAL" \
    "$(awk -v a="$wall" -v b="$LAST_WALL" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')"
}

make_spec tasks-1k 1000
make_spec tasks-10k 10000
make_spec tasks-100k 100000
make_chain chain-10k 10000
make_ranges ranges-100k 100000
echo "kiro-parallel analyze  ($binary)"
for spec in tasks-1k tasks-10k tasks-100k; do run "$spec" majors --json; done
run tasks-10k majors
run tasks-100k majors
original tasks-100k
run tasks-100k strict --json
run tasks-100k strict
run chain-10k majors --json
run ranges-100k majors --json
