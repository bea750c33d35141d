#!/usr/bin/env python3
"""Responsiveness with the real Claude Code (tests/agents/ scripted model server
on loopback), the hook path beside the screen path.

Runs a spec of N independent tasks with W workers twice: once with Claude
Code's hooks (the default: PreToolUse answers the permission, Stop ends the
turn) and once with the screen only (claude started through `env`, so the
worker passes no hooks and reads menus and the idle prompt from the screen).
Each task's scripted model writes a file, runs a command and ticks its box;
claude runs with permission mode "default", so each tool call needs an
approval. Reported per path, from the model server's log and the worker logs:
  - tool call answered: the model's tool_use reply -> claude's next request
    (menu drawn, approved, tool run), per tool call;
  - finished task noticed: the model's final text -> the worker's "monitor
    ended";
  - claim to prompt delivered: the worker's "starts task" -> "the prompt was
    delivered" (claude's start-up included).
Prints figures; asserts nothing. Python 3 standard library only.
"""
import argparse
import datetime as dt
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def iso(text):
    return dt.datetime.strptime(text.rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=dt.timezone.utc).timestamp()


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(p / 100 * (len(values) - 1)))))]


def run(argv, **kw):
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kw)


def one_path(kp, claude, tasks, workers, hooks, keep):
    work = tempfile.mkdtemp(prefix="kp-bench-claude-")
    repo = os.path.join(work, "repo")
    os.makedirs(os.path.join(repo, ".kiro", "specs", "bench"))
    ids = [str(i + 1) for i in range(tasks)]
    with open(os.path.join(repo, ".kiro", "specs", "bench", "tasks.md"), "w") as f:
        f.write("# Implementation Plan\n\n" + "".join(f"- [ ] {i}. Task {i} (P)\n  - _Boundary: b{i}_\n" for i in ids))
    script = {"task_pattern": r"Implement task (\S+) of spec", "tasks": {i: [{"write": {"path": f"out-{i}.txt", "content": f"task {i}\n"}},
                            {"bash": f"touch made-{i}.txt"},
                            {"tick": {"spec": "bench", "task": i}},
                            {"text": f"Task {i} is implemented."}] for i in ids}}
    with open(os.path.join(work, "script.json"), "w") as f:
        json.dump(script, f)
    server = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests/agents/model_server.py"), "--port-file",
                               os.path.join(work, "port"), "--log", os.path.join(work, "requests.jsonl"),
                               "--script", os.path.join(work, "script.json"), "--max-seconds", "900"])
    socket = f"kp-bench-claude-{os.getpid()}-{int(hooks)}"
    try:
        for _ in range(100):
            if os.path.exists(os.path.join(work, "port")) and open(os.path.join(work, "port")).read().strip():
                break
            time.sleep(0.1)
        port = open(os.path.join(work, "port")).read().strip()
        run(["git", "init", "-q", "-b", "main", repo])
        run(["git", "-C", repo, "config", "user.email", "bench@example.invalid"])
        run(["git", "-C", repo, "config", "user.name", "bench"])
        env_lines = run([sys.executable, os.path.join(ROOT, "tests/agents/agent_home.py"), "claude", "--home",
                         os.path.join(work, "home"), "--base-url", f"http://127.0.0.1:{port}", "--trust", repo,
                         "--permission-mode", "default"]).stdout
        env = dict(l.split("=", 1) for l in env_lines.splitlines() if "=" in l)
        env["CLAUDE_CODE_MAX_RETRIES"] = "1"
        settings = {"agent": {"profile": "claude", "command": [claude] if hooks else ["env", claude], "env": env,
                              "prompt": "Implement task {task} of spec {spec}; tick it in tasks.md when done."}}
        os.makedirs(os.path.join(repo, ".kiro", "settings"))
        with open(os.path.join(repo, ".kiro", "settings", "parallel.json"), "w") as f:
            json.dump(settings, f)
        run(["git", "-C", repo, "add", "-A"])
        run(["git", "-C", repo, "commit", "-q", "-m", "bench"])
        environ = dict(os.environ, KIRO_PARALLEL_TMUX_SOCKET=socket)
        start = time.time()
        run([kp, "-C", repo, "run", "bench", "--no-watch", "--max-parallel", str(workers)], env=environ)
        subprocess.run([kp, "-C", repo, "watch", "bench", "--interval", "0.5"], env=environ, capture_output=True)
        wall = time.time() - start
        state = json.load(open(os.path.join(repo, ".kiro", "specs", "bench", ".parallel_state.json")))
        done = sum(1 for t in state["tasks"] if t["status"] == "completed")
        return measure(work, repo, wall, done, tasks)
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True)
        server.terminate()
        server.wait()
        if not keep:
            subprocess.run(["rm", "-rf", work])


def measure(work, repo, wall, done, tasks):
    replies = {}  # (task, index) -> (time, stop_reason); a reply follows its request
    requests = {}  # (task, index) -> time
    last_index = {}
    for line in open(os.path.join(work, "requests.jsonl")):
        e = json.loads(line)
        if e.get("side") or e.get("task") is None:
            continue
        if "method" in e:
            last_index[e["task"]] = e.get("index")
            requests.setdefault((e["task"], e.get("index")), e["time"])
        elif e.get("event") == "reply" and last_index.get(e["task"]) is not None:
            replies.setdefault((e["task"], last_index[e["task"]]), (e["time"], e.get("stop_reason")))
    tool_answered, finals = [], {}
    for (task, index), (t, reason) in replies.items():
        if reason == "tool_use" and (task, index + 1) in requests:
            tool_answered.append(requests[(task, index + 1)] - t)
        if reason == "end_turn":
            finals[task] = t
    noticed, delivered = [], []
    logs = os.path.join(repo, ".kiro", "specs", "bench", "logs")
    for name in os.listdir(logs):
        if not name.startswith("worker-"):
            continue
        started = {}
        for line in open(os.path.join(logs, name)):
            m = re.match(r"(\S+) (?:worker \d+ starts task (\S+)|task (\S+): (.*))", line)
            if not m:
                continue
            t = iso(m.group(1))
            if m.group(2):
                started[m.group(2)] = t
            elif m.group(4).startswith("the prompt was delivered") and m.group(3) in started:
                delivered.append(t - started[m.group(3)])
            elif m.group(4).startswith("monitor ended") and m.group(3) in finals:
                noticed.append(t - finals[m.group(3)])
    return {"wall": wall, "completed": f"{done}/{tasks}", "tool": tool_answered, "noticed": noticed,
            "delivered": delivered}


def fmt(values):
    if not values:
        return "n/a"
    return f"p50 {statistics.median(values) * 1000:.0f} ms, p95 {pct(values, 95) * 1000:.0f} ms (n={len(values)})"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tasks", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the temporary folders")
    args = ap.parse_args()
    kp = os.path.join(ROOT, os.environ.get("KP_BUILD_DIR", "build"), "kiro-parallel")
    claude = os.path.join(ROOT, ".agents-cli", "claude", "node_modules", ".bin", "claude")
    if not os.path.exists(claude):
        print("bench-real-claude: skipped: claude is not installed (scripts/install-agents.sh)")
        return 0
    for hooks in (True, False):
        r = one_path(kp, claude, args.tasks, args.workers, hooks, args.keep)
        print(f"{'hook path  ' if hooks else 'screen path'}: {r['completed']} completed in {r['wall']:.1f} s; "
              f"tool call answered {fmt(r['tool'])}; finished task noticed {fmt(r['noticed'])}; "
              f"claim to prompt delivered {fmt(r['delivered'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
