#include "worker/task_runner.hpp"

#include <cstdlib>
#include <thread>

#include <fmt/format.h>

#include "common/agent_profile.hpp"
#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/git_worktree.hpp"
#include "common/log.hpp"
#include "common/scheduler.hpp"
#include "common/settings.hpp"
#include "common/tmux_client.hpp"
#include "worker/agent_monitor.hpp"
#include "worker/task_finish.hpp"

extern char** environ;

namespace kp {

namespace fs = std::filesystem;

namespace {

void set_phase(const SpecPaths& paths, const std::string& id, const std::string& phase) {
  update_run_state(paths, [&](RunState& s) {
    if (TaskState* t = s.find(id)) {
      t->phase = phase;
      t->phase_since = now_epoch();
    }
  });
}

// The agent's environment: settings' agent.env, and KP_SIM_* (the simulated
// agent's knobs) passed through from ours, because a tmux server started
// earlier does not share this process's environment.
std::vector<std::pair<std::string, std::string>> agent_environment(const RunConfig& config) {
  std::vector<std::pair<std::string, std::string>> env = config.agent_env;
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    if (kv.rfind("KP_SIM_", 0) != 0) continue;
    auto eq = kv.find('=');
    env.emplace_back(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

AgentProfile profile_for(const SpecPaths& paths, const RunConfig& config) {
  Settings settings = load_settings(paths);
  AgentProfile profile = resolve_profile(settings.raw, settings.path, config.profile);
  if (!config.agent_command.empty()) profile.command = config.agent_command;
  if (!config.prompt_template.empty()) profile.prompt_template = config.prompt_template;
  return profile;
}

TaskEnd fail_task(const SpecPaths& paths, const TaskState& task, const RunConfig& config,
                  const std::string& why) {
  bool retry = false;
  update_run_state(paths, [&](RunState& s) {
    TaskState* t = s.find(task.id);
    if (!t) return;
    retry = t->attempts <= config.retries;
    t->status = retry ? TaskStatus::pending : TaskStatus::failed;
    t->worker = -1;
    t->phase.clear();
    t->prompt_sent = false;
    t->message = why;
    if (!retry) propagate_blocked(s);
  });
  log_info("task {} {}: {}", task.id, retry ? "failed, will retry" : "failed", why);
  return TaskEnd::failed;
}

bool stopped_by_person(const SpecPaths& paths, const std::string& id) {
  StateLock lock(paths);
  auto s = read_run_state(paths.state_json);
  const TaskState* t = s ? s->find(id) : nullptr;
  return t && t->status == TaskStatus::stopped;
}

}  // namespace

std::string_view to_string(TaskEnd end) {
  switch (end) {
    case TaskEnd::completed: return "completed";
    case TaskEnd::failed: return "failed";
    case TaskEnd::conflict: return "conflict";
    case TaskEnd::stopped: return "stopped";
    case TaskEnd::interrupted: return "interrupted";
  }
  return "?";
}

TaskEnd run_claimed_task(const SpecPaths& paths, int worker_id, const Claim& claim,
                         const std::atomic<bool>& stop) {
  const TaskState& task = claim.task;
  const RunConfig& config = claim.config;
  log_info("worker {} {} task {} \"{}\" (attempt {})", worker_id, claim.resumed ? "resumes" : "starts",
           task.id, task.title, task.attempts);
  const bool finishing = phase_past_agent(task.phase);
  TmuxClient tmux(config.tmux_socket);
  AgentProfile profile = profile_for(paths, config);

  if (!finishing) {
    try {
      if (!claim.resumed || !fs::exists(task.worktree)) {
        set_phase(paths, task.id, "creating worktree");
        auto prepared = git::prepare_task_worktree(paths.repo_root, task.worktree, task.branch, config.target_branch);
        if (!prepared.note.empty()) log_info("task {}: {}", task.id, prepared.note);
      }
    } catch (const std::exception& e) {
      return fail_task(paths, task, config, fmt::format("cannot prepare the worktree: {}", e.what()));
    }
    bool prompt_sent = claim.resumed && task.prompt_sent;
    if (!tmux.has_session(task.session)) {
      if (prompt_sent) log_info("task {}: its session is gone; starting the agent again in the same worktree", task.id);
      prompt_sent = false;
      set_phase(paths, task.id, "starting agent");
      try {
        tmux.new_session(task.session, task.worktree, profile.command, agent_environment(config));
      } catch (const std::exception& e) {
        return fail_task(paths, task, config, fmt::format("cannot start the agent: {}", e.what()));
      }
      update_run_state(paths, [&](RunState& s) {
        if (TaskState* t = s.find(task.id)) t->prompt_sent = false;
      });
    } else if (claim.resumed) {
      log_info("task {}: adopting its running session {}", task.id, task.session);
    }

    MonitorSettings ms;
    ms.session = task.session;
    ms.prompt = render_prompt(profile, paths.spec, task.id);
    ms.prompt_sent = prompt_sent;
    ms.poll_interval = std::chrono::milliseconds(config.poll_interval_ms);
    ms.task_timeout = std::chrono::minutes(config.task_timeout_minutes);
    ms.stuck_after = std::chrono::seconds(config.stuck_after_seconds);
    ms.enter_while_attached = config.enter_while_attached;
    const fs::path latest_log = paths.task_latest_log(task.id);
    auto last_log_write = std::chrono::steady_clock::time_point{};
    MonitorEvents events;
    events.phase = [&](const std::string& phase) { set_phase(paths, task.id, phase); };
    events.prompt_sent = [&] {
      update_run_state(paths, [&](RunState& s) {
        if (TaskState* t = s.find(task.id)) t->prompt_sent = true;
      });
    };
    events.screen_changed = [&](const std::string& screen) {
      auto now = std::chrono::steady_clock::now();
      if (now - last_log_write < std::chrono::seconds(2)) return;  // a log, not a video
      last_log_write = now;
      write_file_atomic(latest_log, screen, /*durable=*/false);
    };
    events.log = [&](const std::string& line) { log_info("task {}: {}", task.id, line); };

    MonitorResult result;
    try {
      result = monitor_agent(tmux, profile, ms, events, stop);
    } catch (const std::exception& e) {
      if (stop) return TaskEnd::interrupted;
      if (stopped_by_person(paths, task.id)) return TaskEnd::stopped;
      result.outcome = MonitorOutcome::session_gone;
      result.detail = e.what();
    }
    if (!result.last_screen.empty()) write_file_atomic(latest_log, result.last_screen);
    log_info("task {}: monitor ended: {} {}", task.id, to_string(result.outcome), result.detail);
    // A signal to this worker reaches its tmux control client too (same process
    // group): whatever the monitor saw then, the task is interrupted, not failed.
    if (stop) return TaskEnd::interrupted;
    switch (result.outcome) {
      case MonitorOutcome::done: break;
      case MonitorOutcome::interrupted: return TaskEnd::interrupted;
      case MonitorOutcome::session_gone:
        if (stopped_by_person(paths, task.id)) return TaskEnd::stopped;
        [[fallthrough]];
      case MonitorOutcome::exited:
      case MonitorOutcome::timed_out:
        archive_task_log(paths, task.id);
        tmux.kill_session(task.session);
        return fail_task(paths, task, config, fmt::format("{}: {}", to_string(result.outcome), result.detail));
    }
  }
  return finish_task(paths, task, config, tmux, stop);
}

}  // namespace kp
