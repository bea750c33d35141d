#!/usr/bin/env python3
"""Measures kiro-parallel's makespan on synthetic task graphs against the lower
bound max(critical path, total work / N).

Each run makes a random DAG of --tasks tasks (each its own major task, with
explicit _Depends:_ lines) whose simulated agent works a random 1..--max-work
seconds, runs it with N workers, and reports:
  - the makespan (first start to last completion, from the run state),
  - the lower bound from the agents' work times alone, and from the measured
    task durations (which include starting the agent, answering its trust
    dialog, committing and merging), and the ratio to each.
Twice per graph: a first run without history (every task weighs 1), and a
second one after `clean`, where the scheduler weighs tasks by their recorded
durations. Before each run it asks `analyze --json --max-parallel N` for its
prediction and prints it beside the measured makespan, with the error: the
first run's prediction rests on `**Estimated Duration:**` lines holding the
agents' work times (basis estimate: it cannot know the agent's start, commit
and merge time), the second on the recorded durations (basis history).
It prints figures and asserts nothing. Python 3 standard library.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def lower_bound(ids, deps, work, n):
    finish = {}
    for t in ids:  # ids are in a topological order (deps point backwards)
        finish[t] = work[t] + max((finish[d] for d in deps[t]), default=0)
    return max(max(finish.values()), sum(work.values()) / n)


def predict(kp, repo, n, env):
    out = subprocess.run([kp, "analyze", "bench", "-C", repo, "--json", "--max-parallel", str(n)],
                         check=True, env=env, capture_output=True, text=True).stdout
    p = json.loads(out)["prediction"]
    return p["makespan_s"], p["basis"]


def git(repo, *args):
    subprocess.run(["git", "-C", repo, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run(kp, repo, n, agent, env):
    subprocess.run([kp, "run", "bench", "-C", repo, "--max-parallel", str(n), "--agent-cmd", agent, "--no-watch"],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run([kp, "watch", "bench", "-C", repo, "--interval", "0.5"], env=env, stdout=subprocess.DEVNULL)
    with open(os.path.join(repo, ".kiro/specs/bench/.parallel_state.json")) as f:
        state = json.load(f)
    tasks = {t["id"]: t for t in state["tasks"]}
    start = min(t["started_epoch"] for t in tasks.values())
    end = max(t["started_epoch"] + (t["duration"] or 0) for t in tasks.values())
    done = sum(1 for t in tasks.values() if t["status"] == "completed")
    return end - start, {i: t["duration"] or 0 for i, t in tasks.items()}, done


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tasks", type=int, default=18)
    ap.add_argument("--workers", default="3", help="comma-separated worker counts (default 3)")
    ap.add_argument("--max-work", type=float, default=5)
    ap.add_argument("--density", type=float, default=0.15, help="chance that a task depends on an earlier one")
    ap.add_argument("--seeds", default="1,2", help="comma-separated graph seeds")
    ap.add_argument("--binary", default=os.environ.get("KP_BINARY", os.path.join(ROOT, "build", "kiro-parallel")))
    args = ap.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"bench-makespan: no kiro-parallel at {args.binary} (build first: scripts/build.sh)")
    print(f"{'seed':>4} {'N':>2} {'run':>7} {'done':>5} {'makespan':>9} {'LB work':>8} {'ratio':>6} "
          f"{'LB measured':>11} {'ratio':>6} {'predicted':>9} {'basis':>8} {'error':>7}")
    errors = {}
    for seed in [int(s) for s in args.seeds.split(",")]:
        rng = random.Random(seed)
        ids = [str(i) for i in range(1, args.tasks + 1)]
        deps = {t: [d for d in ids[: int(t) - 1] if rng.random() < args.density] for t in ids}
        work = {t: round(rng.uniform(1, args.max_work), 1) for t in ids}
        for n in [int(x) for x in args.workers.split(",")]:
            tmp = tempfile.mkdtemp(prefix="kp-makespan-")
            repo = os.path.join(tmp, "repo")
            spec = os.path.join(repo, ".kiro", "specs", "bench")
            os.makedirs(spec)
            with open(os.path.join(spec, "tasks.md"), "w") as f:
                for t in ids:
                    f.write(f"- [ ] {t}. Task {t}\n")
                    f.write(f"  - **Estimated Duration:** {work[t]} s\n")
                    if deps[t]:
                        f.write(f"  - _Depends: {', '.join(deps[t])}_\n")
            # cc-sdd's older command file: run then sends /kiro:spec-impl, which the simulated agent expects.
            os.makedirs(os.path.join(repo, ".claude", "commands", "kiro"))
            with open(os.path.join(repo, ".claude", "commands", "kiro", "spec-impl.md"), "w") as f:
                f.write("---\ndescription: cc-sdd spec-impl\n---\n")
            plan = os.path.join(tmp, "plan.json")
            with open(plan, "w") as f:
                json.dump({"default": {"duration": 1}, "tasks": {t: {"duration": work[t]} for t in ids}}, f)
            git(repo, "init", "-q", "-b", "main")
            git(repo, "config", "user.name", "bench")
            git(repo, "config", "user.email", "bench@example.invalid")
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "-m", "spec")
            socket = f"kp-makespan-{os.getpid()}-{seed}-{n}"
            env = dict(os.environ, KIRO_PARALLEL_TMUX_SOCKET=socket, NO_COLOR="1")
            agent = f"python3 {ROOT}/scripts/sim-agent --plan {plan}"
            lb_work = lower_bound(ids, deps, work, n)
            for label in ("first", "history"):
                if label == "history":
                    # Same graph again from scratch; .completed_tasks.json stays and weighs the tasks.
                    subprocess.run([args.binary, "clean", "bench", "-C", repo, "--force"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    first = subprocess.run(["git", "-C", repo, "rev-list", "--max-parents=0", "HEAD"],
                                           capture_output=True, text=True).stdout.strip()
                    git(repo, "reset", "-q", "--hard", first)
                predicted, basis = predict(args.binary, repo, n, env)
                makespan, measured, done = run(args.binary, repo, n, agent, env)
                lb_measured = lower_bound(ids, deps, measured, n)
                error = (predicted - makespan) / makespan
                errors.setdefault(basis, []).append(error)
                print(f"{seed:>4} {n:>2} {label:>7} {done:>5} {makespan:>8.1f}s {lb_work:>7.1f}s {makespan / lb_work:>6.2f} "
                      f"{lb_measured:>10.1f}s {makespan / lb_measured:>6.2f} {predicted:>8.1f}s {basis:>8} {error:>+7.1%}",
                      flush=True)
            subprocess.run(["tmux", "-L", socket, "kill-server"], stderr=subprocess.DEVNULL)
            shutil.rmtree(tmp, ignore_errors=True)
    for basis, errs in sorted(errors.items()):
        mean_abs = sum(abs(e) for e in errs) / len(errs)
        print(f"prediction error, basis {basis}: mean |error| {mean_abs:.1%}, "
              f"from {min(errs):+.1%} to {max(errs):+.1%} over {len(errs)} runs")


if __name__ == "__main__":
    main()
