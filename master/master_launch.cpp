#include "master/master_launch.hpp"

#include <algorithm>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/run_state.hpp"
#include "common/scheduler.hpp"
#include "common/spec_sessions.hpp"
#include "common/subprocess.hpp"
#include "common/task_lifecycle.hpp"

namespace kp {

bool start_master(const SpecPaths& paths, bool monitor_only) {
  if (master_alive(paths)) return false;
  std::filesystem::create_directories(paths.logs_dir);
  SpawnOptions options;
  options.new_session = true;  // a daemon: its own session, no controlling terminal
  options.stdout_path = paths.master_log();
  std::vector<std::string> argv{self_executable().string(), "master", paths.spec, "-C", paths.repo_root.string()};
  if (monitor_only) argv.push_back("--monitor");
  ChildProcess child = spawn_program(argv, options);
  // Wait for the lock, the master's proof of life (not its pid).
  for (int i = 0; i < 200; ++i) {
    if (master_alive(paths)) return true;
    if (auto code = child.poll()) {
      throw RuntimeError(fmt::format("the master exited at once (exit {}); see {}", *code,
                                     paths.master_log().string()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  throw RuntimeError(fmt::format("the master did not start within 5 s; see {}", paths.master_log().string()));
}

RecoveryReport recover_orphans(const SpecPaths& paths, const TmuxClient& tmux) {
  RecoveryReport report;
  StateLock lock(paths);
  auto state = read_run_state(paths.state_json);
  if (!state) return report;
  // Whose worker is dead is settled before the sessions are listed: a worker
  // alive at a listing made first could start its agent, die, and leave a
  // session the listing never saw (the task would go back to pending while
  // its agent works on, and a second agent would start in the same worktree).
  std::vector<bool> owner_dead(state->tasks.size());
  for (size_t i = 0; i < state->tasks.size(); ++i) {
    const TaskState& t = state->tasks[i];
    owner_dead[i] = t.status == TaskStatus::running && !(t.worker >= 0 && worker_alive(paths, t.worker));
  }
  const std::vector<SessionInfo> sessions = tmux.list_sessions_with_owner();
  auto task_has_session = [&](const TaskState& t) {
    return std::any_of(sessions.begin(), sessions.end(),
                       [&](const SessionInfo& s) { return is_task_session(s, paths.repo_root, paths.spec, t); });
  };
  bool changed = false;
  for (size_t i = 0; i < state->tasks.size(); ++i) {
    TaskState& t = state->tasks[i];
    const std::string session = task_session_name(paths.spec, t);
    if (t.status == TaskStatus::running) {
      if (!owner_dead[i]) continue;
      bool finishing = phase_past_agent(t.phase);
      if (task_has_session(t) || finishing) {
        if (t.worker != -1) changed = true;
        // Claimable: the next worker resumes it.
        release_for_resume(*state, t.id, finishing ? "its worker died during the merge" : "its worker died; its session lives");
        report.resumable.push_back(t.id);
      } else {
        release_dead_claim(*state, t.id, "its worker and its session are gone");
        report.reset.push_back(t.id);
        changed = true;
      }
      continue;
    }
    if (task_has_session(t) && t.status != TaskStatus::completed && t.status != TaskStatus::conflict &&
        t.status != TaskStatus::committed) {
      // A session of this task that state does not show running: left by a
      // worker whose state update was lost, or by an earlier run. Adopt it.
      adopt(*state, t.id, session, branch_name(paths.spec, t.id));
      report.adopted.push_back(t.id);
      changed = true;
    }
  }
  for (const auto& name : spec_sessions(sessions, paths.repo_root, paths.spec, &*state)) {
    bool known = false;
    for (const auto& t : state->tasks) {
      if (task_session_name(paths.spec, t) == name && t.status == TaskStatus::running) known = true;
    }
    if (!known) report.foreign.push_back(name);
  }
  if (changed) {
    unblock_resolved(*state);
    propagate_blocked(*state);
    commit_run_state(paths, *state);
  }
  return report;
}

}  // namespace kp
