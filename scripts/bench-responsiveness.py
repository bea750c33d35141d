#!/usr/bin/env python3
"""Measures how fast kiro-parallel acts on an agent's screen, and what it costs.

For N concurrent sessions (default 1, 4 and 16) it runs a spec of N independent
tasks with the simulated agent, each task working for --duration seconds with
--prompts permission menus on the way, and reports:
  - the delay from a prompt screen (trust dialog, permission menu) appearing to
    kiro-parallel's Enter arriving (simulated agent's log: *_shown -> *_answered),
  - the delay from the agent finishing to the worker noticing it
    (agent log "done" -> worker log "monitor ended: turn ended ..."),
  - CPU time used by kiro-parallel's processes (master + workers) per
    session-minute, and by the tmux server,
  - per-task overhead from the event journal: claimed -> prompt_delivered, and
    the agent's "done" -> the task's `completed` event (committed and merged).
Two paths (--path, default both, one row each):
  screen  the simulated agent as itself: kiro-parallel reads its screen only;
          a turn ends once the idle prompt has lasted done_settle (1.5 s).
  hooks   the simulated agent through a symlink named `claude`, so that
          kiro-parallel gives it Claude Code's hooks (--settings) as it does
          the real claude: tool calls are answered by the PreToolUse hook (no
          menu drawn; "prompts" counts those round trips and the trust
          dialogs), and a turn ends on the Stop signal and the transcript.
--max-starting N writes max_starting into the bench's settings (default: the
setting's own default, 2 per core); a large N is the run without a start gate.
It prints figures and asserts nothing. Python 3 standard library only.
"""
import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TICKS = os.sysconf("SC_CLK_TCK")


def parse_time(text):
    return dt.datetime.strptime(text.rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=dt.timezone.utc).timestamp()


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
    except (OSError, IndexError, ValueError):
        return None


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().strip() or 0)
    except (OSError, ValueError):
        return 0


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


def git(repo, *args):
    subprocess.run(["git", "-C", repo, *args], check=True, stdout=subprocess.DEVNULL)


def run_once(kp, n, duration, prompts, keep, agent_path="screen", max_starting=None):
    work = tempfile.mkdtemp(prefix=f"kp-bench-{n}-{agent_path}-")
    repo = os.path.join(work, "repo")
    spec_dir = os.path.join(repo, ".kiro", "specs", "bench")
    os.makedirs(spec_dir)
    with open(os.path.join(spec_dir, "tasks.md"), "w") as f:
        for i in range(1, n + 1):
            f.write(f"- [ ] {i}. Task number {i}\n- [ ] {i}.1 Do the work of {i}\n")
    # The prompt named in the settings: a bench repository has no cc-sdd installed.
    os.makedirs(os.path.join(repo, ".kiro", "settings"))
    with open(os.path.join(repo, ".kiro", "settings", "parallel.json"), "w") as f:
        settings = {"agent": {"prompt": "/kiro:spec-impl {spec} {task}"}}
        if max_starting:
            settings["max_starting"] = max_starting
        json.dump(settings, f)
    plan = os.path.join(work, "plan.json")
    with open(plan, "w") as f:
        json.dump({"style": "new", "default": {"duration": duration, "prompts": prompts}}, f)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "bench")
    git(repo, "config", "user.email", "bench@example.invalid")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "bench spec")
    sim_log = os.path.join(work, "sim.log")
    socket = os.environ.get("KP_BENCH_TMUX_SOCKET") or f"kp-bench-{os.getpid()}-{n}"
    env = dict(os.environ, KP_SIM_LOG=sim_log, KIRO_PARALLEL_TMUX_SOCKET=socket, NO_COLOR="1",
               KP_SIM_TRANSCRIPT_DIR=os.path.join(work, "transcripts"))
    agent = f"python3 {ROOT}/scripts/sim-agent --plan {plan}"
    if agent_path == "hooks":
        # kiro-parallel adds Claude Code's hooks only to a command named claude.
        os.makedirs(os.path.join(work, "bin"))
        os.symlink(os.path.join(ROOT, "scripts", "sim-agent"), os.path.join(work, "bin", "claude"))
        agent = f"{work}/bin/claude --plan {plan}"
    started = time.time()
    subprocess.run([kp, "run", "bench", "-C", repo, "--no-watch", "--max-parallel", str(n), "--agent-cmd", agent],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    # Sample CPU of the master, the workers and the tmux server until the master exits.
    last_cpu = {}
    master_pid = read_pid(os.path.join(spec_dir, ".master.pid"))
    tmux_pid = None
    deadline = time.time() + duration * 3 + 120
    while time.time() < deadline:
        pids = {"master": read_pid(os.path.join(spec_dir, ".master.pid")) or master_pid}
        for w in range(n):
            pids[f"worker-{w}"] = read_pid(os.path.join(spec_dir, f".worker-{w}.pid"))
        if tmux_pid is None:
            r = subprocess.run(["tmux", "-L", socket, "display-message", "-p", "#{pid}"],
                               capture_output=True, text=True)
            tmux_pid = int(r.stdout.strip()) if r.returncode == 0 and r.stdout.strip() else None
        if tmux_pid:
            pids["tmux"] = tmux_pid
        for name, pid in pids.items():
            if pid:
                c = cpu_seconds(pid)
                if c is not None:
                    last_cpu[(name, pid)] = c
        if master_pid and cpu_seconds(master_pid) is None:
            break
        time.sleep(0.5)
    wall = time.time() - started
    subprocess.run(["tmux", "-L", socket, "kill-server"], stderr=subprocess.DEVNULL)

    kp_cpu = sum(c for (name, _), c in last_cpu.items() if name != "tmux")
    tmux_cpu = sum(c for (name, _), c in last_cpu.items() if name == "tmux")
    # Prompt delays from the agent's own log: shown -> answered, per agent process.
    prompt_delays, trust_delays, hook_delays = [], [], []
    done_at = {}
    shown = {}
    with open(sim_log) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3:
                continue
            t, pid, event = parse_time(parts[0]), parts[1], parts[2]
            fields = dict(p.split("=", 1) for p in parts[3:] if "=" in p)
            if event in ("trust_shown", "menu_shown"):
                shown[(pid, event[:-6], fields.get("n"))] = t
            elif event in ("trust_answered", "menu_answered"):
                key = (pid, event[:-9], fields.get("n"))
                if key in shown:
                    prompt_delays.append(t - shown.pop(key))
                    if event == "trust_answered":
                        trust_delays.append(prompt_delays[-1])
            elif event == "hook" and fields.get("event") == "PreToolUse":
                hook_delays.append(int(fields.get("ms", 0)) / 1000)  # the hook's round trip: the decision
                prompt_delays.append(hook_delays[-1])
            elif event == "done":
                done_at[fields.get("task")] = t
    notice_delays = []
    for w in range(n):
        path = os.path.join(spec_dir, "logs", f"worker-{w}.log")
        if not os.path.exists(path):
            continue
        with open(path) as f:
            for line in f:
                m = re.match(r"(\S+) task (\S+): monitor ended: (?:done|turn ended)", line)
                if m and m.group(2) in done_at:
                    notice_delays.append(parse_time(m.group(1)) - done_at[m.group(2)])
    claimed, delivered, completed_at = {}, [], {}
    with open(os.path.join(spec_dir, "logs", "events.jsonl")) as f:
        for line in f:
            e = json.loads(line)
            if e["event"] == "claimed":
                claimed.setdefault(e["task"], parse_time(e["ts"]))
            elif e["event"] == "prompt_delivered" and e["task"] in claimed:
                delivered.append(parse_time(e["ts"]) - claimed.pop(e["task"]))
            elif e["event"] == "completed":
                completed_at[e["task"]] = parse_time(e["ts"])
    merged = [completed_at[t] - done_at[t] for t in completed_at if t in done_at]
    with open(os.path.join(spec_dir, ".parallel_state.json")) as f:
        state = json.load(f)
    completed = sum(1 for t in state["tasks"] if t["status"] == "completed")
    session_minutes = n * wall / 60
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "sessions": n, "path": agent_path, "completed": completed, "wall_s": wall,
        "trust_p50_ms": 1000 * percentile(trust_delays, 50), "trust_p95_ms": 1000 * percentile(trust_delays, 95),
        "pretooluse_hooks": len(hook_delays), "pretooluse_p95_ms": 1000 * percentile(hook_delays, 95),
        "prompts": len(prompt_delays), "prompt_p50_ms": 1000 * percentile(prompt_delays, 50),
        "prompt_p95_ms": 1000 * percentile(prompt_delays, 95), "prompt_max_ms": 1000 * max(prompt_delays or [float("nan")]),
        "done_p50_ms": 1000 * percentile(notice_delays, 50), "done_p95_ms": 1000 * percentile(notice_delays, 95),
        "claim_to_prompt_p50_ms": 1000 * percentile(delivered, 50),
        "claim_to_prompt_p95_ms": 1000 * percentile(delivered, 95),
        "done_to_merged_p50_ms": 1000 * percentile(merged, 50), "done_to_merged_p95_ms": 1000 * percentile(merged, 95),
        "kp_cpu_s": kp_cpu, "kp_cpu_s_per_session_min": kp_cpu / session_minutes,
        "kp_core_pct_per_session": 100 * kp_cpu / (n * wall), "tmux_cpu_s": tmux_cpu,
        "work": work if keep else None,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", default="1,4,16", help="comma-separated session counts (default 1,4,16)")
    ap.add_argument("--duration", type=float, default=30, help="work seconds per task (default 30)")
    ap.add_argument("--prompts", type=int, default=5, help="permission menus per task (default 5)")
    ap.add_argument("--binary", default=os.environ.get("KP_BINARY", os.path.join(ROOT, "build", "kiro-parallel")))
    ap.add_argument("--path", choices=["screen", "hooks", "both"], default="both",
                    help="screen only, Claude's hooks (sim-agent as claude), or both (default)")
    ap.add_argument("--max-starting", type=int, help="max_starting for the run (default: the setting's default)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary repositories")
    ap.add_argument("--json", action="store_true", help="print one JSON object per run")
    args = ap.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"bench-responsiveness: no kiro-parallel at {args.binary} (build first: scripts/build.sh)")
    print(f"{'N':>3} {'path':>6} {'done':>5} {'wall s':>7} {'prompts':>7} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} "
          f"{'done p50':>8} {'done p95':>8} {'claim>prompt p50/p95':>20} {'done>merged p50/p95':>19} {'kp cpu s':>8} {'cpu s/session-min':>17} {'% core/session':>14} {'tmux cpu s':>10} {'trust p50/p95':>13}")
    paths = ["screen", "hooks"] if args.path == "both" else [args.path]
    for n, path in [(int(x), p) for x in args.sessions.split(",") for p in paths]:
        r = run_once(args.binary, n, args.duration, args.prompts, args.keep, path, args.max_starting)
        if args.json:
            print(json.dumps(r))
            continue
        print(f"{r['sessions']:>3} {r['path']:>6} {r['completed']:>5} {r['wall_s']:>7.1f} {r['prompts']:>7} {r['prompt_p50_ms']:>7.0f} "
              f"{r['prompt_p95_ms']:>7.0f} {r['prompt_max_ms']:>7.0f} {r['done_p50_ms']:>8.0f} {r['done_p95_ms']:>8.0f} "
              f"{r['claim_to_prompt_p50_ms']:>10.0f}/{r['claim_to_prompt_p95_ms']:<9.0f} "
              f"{r['done_to_merged_p50_ms']:>9.0f}/{r['done_to_merged_p95_ms']:<9.0f} "
              f"{r['kp_cpu_s']:>8.2f} {r['kp_cpu_s_per_session_min']:>17.3f} {r['kp_core_pct_per_session']:>14.2f} "
              f"{r['tmux_cpu_s']:>10.2f} {r['trust_p50_ms']:>6.0f}/{r['trust_p95_ms']:<6.0f}", flush=True)


if __name__ == "__main__":
    main()
