#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, and runs
# kiro-parallel on the bundled demo spec in a throw-away git repository, with
# the simulated agent (scripts/sim-agent) standing in for Claude Code.
# Installed (share/kiro-parallel/demo.sh) it runs the installed tool, with the
# simulated agent and the example spec installed beside it.
set -euo pipefail
# --failures: the same spec where one agent's turn ends in an API error, one
# prompt is never sent and one agent does not tick its task: those tasks fail
# with the reason (and their dependents are blocked); nothing is completed
# without evidence.
plan_name=demo-sim-plan.json
case "${1:-}" in
  --failures) plan_name=demo-sim-plan-failures.json ;;
  "") ;;
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
  *) echo "demo.sh: unknown option $1 (use --failures or nothing)" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
if [ -f "$here/../CMakeLists.txt" ]; then
  cd "$here/.."
  root=$(pwd)
  scripts/install-deps.sh
  scripts/build.sh
  kp="$root/${KP_BUILD_DIR:-build}/kiro-parallel"
  sim_agent=$root/scripts/sim-agent
  examples=$root/examples
else
  kp=$here/../../bin/kiro-parallel
  [ -x "$kp" ] || kp=$(command -v kiro-parallel)
  sim_agent=$here/sim-agent
  examples=$here/examples
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/kiro-parallel-demo.XXXXXX")
repo="$work/demo-app"
socket="kp-demo-$$"
trap 'tmux -L "$socket" kill-server 2>/dev/null || true' EXIT

mkdir -p "$repo"
cp -R "$examples/demo/." "$repo/"
git -C "$repo" init -q -b main
if ! git -C "$repo" config user.email >/dev/null; then
  git -C "$repo" config user.name "kiro-parallel demo"
  git -C "$repo" config user.email "demo@example.invalid"
fi
git -C "$repo" add -A
git -C "$repo" commit -q -m "Demo app with its spec"

echo "== kiro-parallel analyze demo"
"$kp" -C "$repo" analyze demo
echo
echo "== kiro-parallel run demo (sessions on tmux -L $socket; attach by hand with: tmux -L $socket attach -t demo-task-<id>)"
set +e
"$kp" -C "$repo" run demo --max-parallel 3 --tmux-socket "$socket" \
  --agent-cmd "python3 $sim_agent --plan $examples/$plan_name"
rc=$?
set -e
echo
echo "== summary"
"$kp" -C "$repo" status demo || true
echo
git --no-pager -C "$repo" log --oneline --graph -n 40
echo
echo "The demo repository stays in $repo (remove it with: rm -rf $work)"
exit $rc
