#!/usr/bin/env bash
# The demo spec with the real Claude Code instead of the simulated agent:
# installs what is missing (Debian packages, then the pinned agent CLIs with
# npm into .agents-cli/), builds, starts the scripted model server of
# tests/agents/ on loopback (no network, no credentials: each task's "model"
# writes a file, ticks the task's checkbox and says it is done), gives claude
# a throw-away HOME, installs cc-sdd's skills into a throw-away repository and
# runs `kiro-parallel run demo` there with two workers (a real claude needs
# about 300 MB and a third of a core).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scripts/install-deps.sh
scripts/install-agents.sh
scripts/build.sh
kp="$root/${KP_BUILD_DIR:-build}/kiro-parallel"
claude="$root/.agents-cli/claude/node_modules/.bin/claude"
cc_sdd="$root/.agents-cli/cc-sdd/node_modules/.bin/cc-sdd"
for tool in "$claude" "$cc_sdd"; do
  [ -x "$tool" ] || { echo "demo-claude: $tool is not installed (see scripts/install-agents.sh)" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/kiro-parallel-claude-demo.XXXXXX")
repo="$work/demo-app"
socket="kp-claude-demo-$$"
server_pid=
cleanup() {
  tmux -L "$socket" kill-server 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
}
trap cleanup EXIT

# The scripted model: for every task, write a file, tick the box, report.
python3 - "$root/examples/demo/.kiro/specs/demo/tasks.md" > "$work/script.json" <<'PY'
import json, re, sys
ids = re.findall(r"^\s*- \[ \]\*?\s+(\d+(?:\.\d+)*)\.?\s", open(sys.argv[1]).read(), re.M)
steps = lambda t: [{"write": {"path": "src/task-%s.txt" % t, "content": "task %s\n" % t}},
                   {"tick": {"spec": "demo", "task": t}},
                   {"text": "Task %s is implemented." % t}]
print(json.dumps({"tasks": {t: steps(t) for t in ids}}))
PY
python3 tests/agents/model_server.py --port-file "$work/port" --log "$work/requests.jsonl" \
  --script "$work/script.json" --max-seconds 1800 >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { echo "demo-claude: the model server did not start" >&2; exit 1; }

mkdir -p "$repo"
cp -R examples/demo/. "$repo/"
rm -rf "$repo/.claude"   # the real cc-sdd skills instead of the demo's stand-in
git -C "$repo" init -q -b main
if ! git -C "$repo" config user.email >/dev/null; then
  git -C "$repo" config user.name "kiro-parallel demo"
  git -C "$repo" config user.email "demo@example.invalid"
fi
(cd "$repo" && "$cc_sdd" --yes --lang en >/dev/null)
python3 tests/agents/agent_home.py claude --home "$work/home" --base-url "http://127.0.0.1:$(cat "$work/port")" \
  --trust "$repo" > "$work/env.txt"
python3 - "$claude" "$work/env.txt" > "$repo/.kiro/settings/parallel.json" <<'PY'
import json, sys
env = dict(l.rstrip("\n").split("=", 1) for l in open(sys.argv[2]) if "=" in l)
env["CLAUDE_CODE_MAX_RETRIES"] = "1"
print(json.dumps({"agent": {"profile": "claude", "command": [sys.argv[1]], "env": env}}, indent=2))
PY
git -C "$repo" add -A
git -C "$repo" commit -q -m "Demo app with its spec, cc-sdd and kiro-parallel settings"

echo "== kiro-parallel run demo with the real Claude Code (tmux -L $socket; attach: tmux -L $socket attach -t demo-task-<id>)"
set +e
"$kp" -C "$repo" run demo --max-parallel 2 --tmux-socket "$socket"
rc=$?
set -e
echo
echo "== summary"
"$kp" -C "$repo" status demo || true
echo
echo "The model server answered $(grep -c '"method"' "$work/requests.jsonl" || true) requests (log: $work/requests.jsonl)."
echo "The demo repository stays in $repo (remove it with: rm -rf $work)"
exit $rc
