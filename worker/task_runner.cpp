#include "worker/task_runner.hpp"

#include <algorithm>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>

#include "common/agent_processes.hpp"
#include "common/agent_profile.hpp"
#include "common/agent_signals.hpp"
#include "common/agent_system_settings.hpp"
#include "common/approval_policy.hpp"
#include "common/atomic_file.hpp"
#include "common/claude_transcript.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/permission_request.hpp"
#include "common/scheduler.hpp"
#include "common/settings.hpp"
#include "common/task_evidence.hpp"
#include "common/task_lifecycle.hpp"
#include "common/tmux_client.hpp"
#include "common/person_answer.hpp"
#include "worker/agent_monitor.hpp"
#include "worker/footprint_sampler.hpp"
#include "worker/task_finish.hpp"

extern char** environ;

namespace kp {

namespace fs = std::filesystem;

namespace {

void set_phase(const SpecPaths& paths, const std::string& id, Phase phase, const std::string& detail = {}) {
  update_run_state(paths, [&](RunState& s) {
    if (s.find(id)) kp::set_phase(s, id, phase, detail);
  });
}

// How the agent of this task is started, prompted and judged.
struct AgentSetup {
  AgentProfile profile;
  std::vector<std::string> command;
  std::string prompt;
  std::vector<Evidence> require;  // completion.require, resolved
  int delivery_seconds = 45;      // prompt_delivery_seconds: the agent must show it took the prompt
  bool hooks = false;             // the agent reports its turns through hooks
  SystemSettingsOverlay system_settings;  // the agent's system settings (qwen), hooks included
  ApprovalSettings approval;      // approve.* (and the run's --approve)
};

AgentSetup agent_setup(const SpecPaths& paths, const RunConfig& config, const TaskState& task) {
  Settings settings = load_settings(paths);
  AgentSetup a;
  a.profile = resolve_profile(settings.raw, settings.path, config.profile);
  if (!config.agent_command.empty()) a.profile.command = config.agent_command;
  if (!config.prompt_template.empty()) a.profile.prompt_template = config.prompt_template;
  HookedAgent hooked = with_agent_hooks(a.profile, a.profile.command);
  a.command = std::move(hooked.argv);
  a.system_settings = std::move(hooked.system_settings);
  a.hooks = hooked.hooks;
  a.require = completion_requirement(settings.raw, settings.path, a.hooks);
  a.approval = parse_approval_settings(settings.raw, settings.path);
  if (!config.approve_mode.empty()) a.approval.mode = approval_mode_from_string(config.approve_mode, "run --approve");
  if (settings.raw.contains("prompt_delivery_seconds")) {
    const auto& v = settings.raw["prompt_delivery_seconds"];
    if (!v.is_number_integer() || v.get<int>() < 5) {
      throw UsageError(settings.path + ": prompt_delivery_seconds must be a whole number of seconds, at least 5");
    }
    a.delivery_seconds = v.get<int>();
  }
  a.prompt = render_prompt(a.profile, paths.spec, task.id);
  if (std::find(a.require.begin(), a.require.end(), Evidence::marker) != a.require.end()) {
    a.prompt += marker_instruction(task.id);
  }
  return a;
}

std::string self_executable() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("kiro-parallel") : exe.string();
}

// The agent's environment: settings' agent.env, the task's mark (to find its
// processes), the hooks' channel, and KP_SIM_* (the simulated agent's knobs)
// passed through from ours, because a tmux server started earlier does not
// share this process's environment.
std::vector<std::pair<std::string, std::string>> agent_environment(const SpecPaths& paths, const RunConfig& config,
                                                                   const TaskState& task) {
  std::vector<std::pair<std::string, std::string>> env = config.agent_env;
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    if (kv.rfind("KP_SIM_", 0) != 0) continue;
    auto eq = kv.find('=');
    env.emplace_back(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  env.emplace_back(kTaskMarkEnv, task_mark(paths.repo_root, paths.spec, task.id));
  env.emplace_back(kSignalsEnv, paths.task_signals(task.id).string());
  env.emplace_back("KIRO_PARALLEL_BIN", self_executable());
  env.emplace_back("KIRO_PARALLEL_REPO", paths.repo_root.string());
  env.emplace_back("KIRO_PARALLEL_SPEC", paths.spec);
  env.emplace_back("KIRO_PARALLEL_WORKTREE", task.worktree);
  if (!config.approve_mode.empty()) env.emplace_back("KIRO_PARALLEL_APPROVE", config.approve_mode);
  return env;
}

// Ends the agent: its session's process tree, then anything that left the
// tree but carries the task's mark (a daemon, a setsid child).
void end_agent(const SpecPaths& paths, const TaskState& task, const SessionPlace& sessions) {
  if (int n = sessions.end_session(task.session, task_mark(paths.repo_root, paths.spec, task.id))) {
    log_info("task {}: stopped {} agent process(es) that outlived the session", task.id, n);
  }
}

enum class Retry { allowed, never };

TaskEnd fail_task(const SpecPaths& paths, const TaskState& task, const RunConfig& config, const std::string& why,
                  Retry retry_kind = Retry::allowed, const std::atomic<bool>* backoff_stop = nullptr) {
  bool retry = false;
  update_run_state(paths, [&](RunState& s) {
    const TaskState* t = s.find(task.id);
    if (!t) return;
    retry = retry_kind == Retry::allowed && t->attempts <= config.retries;
    if (retry && backoff_stop) return;  // decided; written after the back-off below
    retry = fail_attempt(s, task.id, why, retry_kind == Retry::allowed);
  });
  if (retry && backoff_stop) {
    // A transient error: wait before the next attempt (5 s, 10 s, ... 60 s).
    const int wait_s = std::min(60, 5 << std::min(4, std::max(0, task.attempts - 1)));
    log_info("task {}: transient error; next attempt in {} s: {}", task.id, wait_s, why);
    set_phase(paths, task.id, Phase::retrying, fmt::format("in {} s after: {}", wait_s, why));
    for (int i = 0; i < wait_s * 10 && !*backoff_stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return fail_task(paths, task, config, why, Retry::allowed, nullptr);
  }
  log_info("task {} {}: {}", task.id, retry ? "failed, will retry" : "failed", why);
  return TaskEnd::failed;
}

bool stopped_by_person(const SpecPaths& paths, const std::string& id) {
  StateLock lock(paths);
  auto s = read_run_state(paths.state_json);
  const TaskState* t = s ? s->find(id) : nullptr;
  return t && t->status == TaskStatus::stopped;
}

// The worktree and the tmux session with the agent in it, ready to monitor.
// A message on failure.
std::optional<std::string> start_agent(const SpecPaths& paths, const Claim& claim, const AgentSetup& agent,
                                       const Placement& place, bool& prompt_sent, bool& adopted) {
  const TaskState& task = claim.task;
  try {
    if (!claim.resumed || !place.work.worktree_exists(task.worktree)) {
      if (claim.resumed) log_info("task {}: its worktree {} is gone; making it again", task.id, task.worktree);
      set_phase(paths, task.id, Phase::creating_worktree);
      const std::string note = place.work.prepare_worktree(task.worktree, task.branch, claim.config.target_branch);
      if (!note.empty()) log_info("task {}: {}", task.id, note);
    }
  } catch (const std::exception& e) {
    return fmt::format("cannot prepare the worktree: {}", e.what());
  }
  prompt_sent = claim.resumed && task.prompt_sent;
  if (place.sessions.has_session(task.session)) {
    if (claim.resumed) log_info("task {}: adopting its running session {}", task.id, task.session);
    adopted = true;
    return std::nullopt;
  }
  if (prompt_sent) log_info("task {}: its session is gone; starting the agent again in the same worktree", task.id);
  prompt_sent = false;
  set_phase(paths, task.id, Phase::starting_agent);
  std::error_code ec;
  fs::remove(paths.task_signals(task.id), ec);  // signals of an earlier session mean nothing now
  auto env = agent_environment(paths, claim.config, task);
  if (const SystemSettingsOverlay& sys = agent.system_settings; !sys.empty()) {
    try {
      auto written = write_system_settings(sys, paths.logs_dir / fmt::format("{}-system-settings.json", agent.profile.name),
                                           std::getenv(sys.env.c_str()));
      if (!written.warning.empty()) log_info("task {}: warning: {}", task.id, written.warning);
      env.emplace_back(sys.env, written.path.string());
    } catch (const std::exception& e) {
      return fmt::format("cannot write the agent's system settings: {}", e.what());
    }
  }
  try {
    place.sessions.create_session(task.session, task.worktree, agent.command, env);
  } catch (const std::exception& e) {
    return fmt::format("cannot start the agent: {}", e.what());
  }
  update_run_state(paths, [&](RunState& s) {
    if (s.find(task.id)) forget_prompt(s, task.id);
  });
  return std::nullopt;
}

MonitorSettings monitor_settings(const RunConfig& config, const AgentSetup& agent, bool prompt_sent,
                                 SignalChannel* signals) {
  MonitorSettings ms;
  ms.prompt = agent.prompt;
  ms.prompt_sent = prompt_sent;
  ms.poll_interval = std::chrono::milliseconds(config.poll_interval_ms);
  ms.task_timeout = std::chrono::minutes(config.task_timeout_minutes);
  if (config.run_deadline_epoch > 0) {  // run_timeout_minutes: no task outlives the run
    auto left = std::chrono::seconds(static_cast<long long>(std::max(config.run_deadline_epoch - now_epoch(), 0.0)));
    ms.task_timeout = std::min(ms.task_timeout, left);
  }
  ms.stuck_after = std::chrono::seconds(config.stuck_after_seconds);
  ms.enter_while_attached = config.enter_while_attached;
  ms.ready_settle = std::chrono::milliseconds(agent.profile.ready_settle_ms);
  ms.enter_delay = std::chrono::milliseconds(agent.profile.enter_delay_ms);
  ms.delivery_timeout = std::chrono::seconds(agent.delivery_seconds);
  ms.expect_stop_signal = agent.hooks;
  ms.signals = agent.hooks ? signals : nullptr;
  return ms;
}

// The approval policy over a prompt screen. A screen that asks for no tool
// (a trust dialog, "Press Enter") keeps the classifier's safe answer.
std::function<ApprovalAnswer(const std::string&)> screen_approval(const AgentSetup& agent, const TaskState& task) {
  PolicyContext context;
  context.worktree = task.worktree;
  for (const auto& p : agent.approval.paths) context.extra_paths.emplace_back(p);
  return [&agent, context](const std::string& screen) {
    ApprovalAnswer answer;
    auto request = permission_request_from_screen(screen, agent.profile);
    if (!request) {
      answer.rule = "no_tool_request";
      if (agent.approval.mode == ApprovalSettings::none) answer.verdict = ApprovalAnswer::ask;
      return answer;
    }
    const Decision d = decide(*request, context, agent.approval);
    answer.verdict = d.verdict == Decision::approve ? ApprovalAnswer::approve
                     : d.verdict == Decision::refuse ? ApprovalAnswer::refuse
                                                     : ApprovalAnswer::ask;
    answer.rule = d.rule;
    answer.reject = d.verdict == Decision::refuse && agent.approval.on_refuse == ApprovalSettings::reject;
    answer.what = fmt::format("{} {}", request->tool, request->kind == ToolRequest::shell ? request->command : request->path);
    return answer;
  };
}

// watch's y / n for the prompt now pending: taken once; delivered only when
// it names that prompt (attempt, phase text, when the phase began) and the
// monitor still shows it, else dropped with a journal note.
std::optional<bool> person_answer_for(const SpecPaths& paths, const std::string& id, const std::string& phase) {
  auto answer = take_person_answer(paths, id);
  if (!answer) return std::nullopt;
  bool matches = false;
  update_run_state(paths, [&](RunState& s) {
    const TaskState* t = s.find(id);
    if (!t) return;
    matches = answer_matches(*answer, *t) && t->phase == phase;
    if (!matches) note_person_answer(s, id, false, "the prompt it answered is no longer pending: " + answer->phase);
  });
  log_info("task {}: a person's answer ({}) {}", id, answer->approve ? "approve once" : "refuse",
           matches ? "delivered" : "dropped: its prompt is no longer pending");
  if (!matches) return std::nullopt;
  return answer->approve;
}

void record_tokens(const SpecPaths& paths, const std::string& id, const TokenUsage& used) {
  if (used.total() == 0) return;
  update_run_state(paths, [&](RunState& s) {
    if (TaskState* t = s.find(id)) {
      t->tokens_input += used.input;
      t->tokens_output += used.output;
      t->tokens_cache_read += used.cache_read;
      t->tokens_cache_creation += used.cache_creation;
    }
  });
}

// The turn ended: the transcript (when the agent has one) says whether it
// ended in an error; then the evidence decides. Never complete without it.
TaskEnd judge_turn(const SpecPaths& paths, const Claim& claim, const AgentSetup& agent, const MonitorResult& result,
                   const std::string& scrollback, const Placement& place, const std::atomic<bool>& stop) {
  const TaskState& task = claim.task;
  const RunConfig& config = claim.config;
  EvidenceFacts facts;
  std::string words = result.last_words.empty() ? last_words(result.last_screen, agent.profile) : result.last_words;
  if (result.by_signal && agent.profile.hooks != AgentHooks::claude_flag) {
    facts.signal = true;  // qwen's Stop: the turn ended (its errors come as StopFailure or on the screen)
  } else if (result.by_signal && !result.transcript_path.empty()) {
    TranscriptSummary tr = read_claude_transcript(result.transcript_path);
    record_tokens(paths, task.id, tr.tokens);
    if (!tr.last_text.empty()) words = tr.last_text.substr(0, 300);
    if (tr.api_error) {
      const bool transient = tr.error_text.find("529") != std::string::npos ||
                             tr.error_text.find("429") != std::string::npos ||
                             tr.error_text.find("Overloaded") != std::string::npos ||
                             tr.error_text.find(": 5") != std::string::npos;
      end_agent(paths, task, place.sessions);
      archive_task_log(paths, task.id);
      return fail_task(paths, task, config, "the agent's turn ended in an error: " + tr.error_text.substr(0, 300),
                       transient ? Retry::allowed : Retry::never, transient ? &stop : nullptr);
    }
    facts.signal = tr.readable;
  }
  const std::string tasks_rel = fs::relative(paths.tasks_md, paths.repo_root).string();
  facts.checkbox = place.work.task_ticked(task.worktree, tasks_rel, task.id);
  facts.work = place.work.has_work(task.worktree, task.branch, config.target_branch, tasks_rel);
  facts.marker = marker_in_scrollback(scrollback, task.id);
  EvidenceVerdict v = judge_evidence(agent.require, facts);
  log_info("task {}: turn ended ({}); evidence found: {}; required: {}", task.id, result.detail, describe(v.found),
           describe(agent.require));
  if (!v.complete) {
    end_agent(paths, task, place.sessions);
    archive_task_log(paths, task.id);
    return fail_task(paths, task, config,
                     fmt::format("the agent's turn ended without evidence of completion (missing: {}; found: {}). "
                                 "The agent's last words: {}",
                                 describe(v.missing), describe(v.found), words.empty() ? "(none)" : words));
  }
  update_run_state(paths, [&](RunState& s) {
    if (s.find(task.id)) record_evidence(s, task.id, describe(v.found));
  });
  return finish_task(paths, task, config, place, stop);
}

TaskEnd after_monitor(const SpecPaths& paths, const Claim& claim, const AgentSetup& agent, const MonitorResult& result,
                      const std::string& scrollback, const Placement& place, const std::atomic<bool>& stop) {
  const TaskState& task = claim.task;
  // A signal to this worker reaches its tmux control client too (same process
  // group): whatever the monitor saw then, the task is interrupted, not failed.
  if (stop) return TaskEnd::interrupted;
  if (result.outcome != MonitorOutcome::interrupted && !place.work.worktree_exists(task.worktree)) {
    end_agent(paths, task, place.sessions);
    archive_task_log(paths, task.id);
    return fail_task(paths, task, claim.config,
                     fmt::format("its worktree {} was removed during the run: nothing there to judge or commit "
                                 "(branch {} keeps what was committed); `kiro-parallel retry {} {}` starts it again",
                                 task.worktree, task.branch, paths.spec, task.id));
  }
  switch (result.outcome) {
    case MonitorOutcome::turn_ended: return judge_turn(paths, claim, agent, result, scrollback, place, stop);
    case MonitorOutcome::interrupted: return TaskEnd::interrupted;
    case MonitorOutcome::session_gone:
      if (stopped_by_person(paths, task.id)) return TaskEnd::stopped;
      break;
    default: break;
  }
  archive_task_log(paths, task.id);
  end_agent(paths, task, place.sessions);
  const std::string why = fmt::format("{}: {}", to_string(result.outcome), result.detail);
  if (result.outcome == MonitorOutcome::error) {
    // Permanent errors (unknown command, not logged in, 400) fail at once.
    return fail_task(paths, task, claim.config, why, result.transient ? Retry::allowed : Retry::never,
                     result.transient ? &stop : nullptr);
  }
  return fail_task(paths, task, claim.config, why);
}

// The start gate's slot goes at the agent's first ready screen, its prompt
// delivered, or a person asked (waiting for one is not starting: it must not
// hold other tasks back).
void end_start_phase_on(MonitorEvents& events, StartSlot& slot) {
  events.phase = [phase = std::move(events.phase), &slot](const std::string& p) {
    if (p.rfind("needs", 0) == 0 || p.rfind("waiting", 0) == 0) slot.release();
    if (phase) phase(p);
  };
  events.agent_ready = [&slot] { slot.release(); };
  events.prompt_delivered = [&slot] { slot.release(); };
}

}  // namespace

std::string_view to_string(TaskEnd end) {
  switch (end) {
    case TaskEnd::completed: return "completed";
    case TaskEnd::failed: return "failed";
    case TaskEnd::conflict: return "conflict";
    case TaskEnd::stopped: return "stopped";
    case TaskEnd::interrupted: return "interrupted";
    case TaskEnd::committed: return "committed (not merged)";
  }
  return "?";
}

TaskEnd run_claimed_task(const SpecPaths& paths, int worker_id, const Claim& claim,
                         const std::atomic<bool>& stop, StartSlot& start_slot) {
  const TaskState& task = claim.task;
  log_info("worker {} {} task {} \"{}\" (attempt {})", worker_id, claim.resumed ? "resumes" : "starts",
           task.id, task.title, task.attempts);
  TmuxClient tmux(claim.config.tmux_socket);
  const auto sessions = local_session_place(tmux);
  const auto work = local_work_place(paths.repo_root);
  const Placement place{*sessions, *work};
  if (phase_past_agent(task.phase)) {
    start_slot.release();
    return finish_task(paths, task, claim.config, place, stop);
  }
  AgentSetup agent;
  try {
    agent = agent_setup(paths, claim.config, task);
  } catch (const std::exception& e) {
    return fail_task(paths, task, claim.config, fmt::format("bad agent settings: {}", e.what()), Retry::never);
  }
  bool prompt_sent = false, adopted = false;
  if (auto failure = start_agent(paths, claim, agent, place, prompt_sent, adopted)) {
    return fail_task(paths, task, claim.config, *failure);
  }
  SignalChannel signals(paths.task_signals(task.id));
  MonitorSettings ms = monitor_settings(claim.config, agent, prompt_sent, &signals);
  ms.adopted_session = adopted;
  ms.approve = screen_approval(agent, task);
  ms.person_answer = [&](const std::string& phase) { return person_answer_for(paths, task.id, phase); };
  const fs::path latest_log = paths.task_latest_log(task.id);
  auto last_log_write = std::chrono::steady_clock::time_point{};
  MonitorEvents events;
  events.phase = [&](const std::string& phase) {
    update_run_state(paths, [&](RunState& s) {
      if (s.find(task.id)) set_phase_text(s, task.id, phase);
    });
  };
  if (prompt_sent) start_slot.release();  // resumed past its start
  events.prompt_sent = [&] {
    update_run_state(paths, [&](RunState& s) {
      if (s.find(task.id)) deliver_prompt(s, task.id);
    });
  };
  events.screen_changed = [&](const std::string& screen) {
    auto now = std::chrono::steady_clock::now();
    if (now - last_log_write < std::chrono::seconds(2)) return;  // a log, not a video
    last_log_write = now;
    write_file_atomic(latest_log, screen, /*durable=*/false);
  };
  events.log = [&](const std::string& line) { log_info("task {}: {}", task.id, line); };
  events.signal = [&](const AgentSignal& s) { log_info("task {}: agent signal {} {}", task.id, s.event, s.message); };
  end_start_phase_on(events, start_slot);

  std::optional<FootprintSampler> footprint;
  if (auto pid = place.sessions.agent_pid(task.session)) {
    footprint.emplace(*pid, footprint_log_path(paths.logs_dir), agent.profile.name, task.id);
  }
  MonitorResult result;
  std::unique_ptr<ScreenSource> screen;
  try {
    screen = place.sessions.open_screen(task.session, events.log);
    result = monitor_agent(*screen, agent.profile, ms, events, stop);
  } catch (const std::exception& e) {
    if (stop) return TaskEnd::interrupted;
    if (stopped_by_person(paths, task.id)) return TaskEnd::stopped;
    result.outcome = MonitorOutcome::session_gone;
    result.detail = e.what();
  }
  start_slot.release();
  footprint.reset();  // records what the agent cost, before its session ends
  if (!result.last_screen.empty()) write_file_atomic(latest_log, result.last_screen);
  log_info("task {}: monitor ended: {} {}", task.id, to_string(result.outcome), result.detail);
  std::string scrollback;
  if (screen && result.outcome == MonitorOutcome::turn_ended) {
    try {
      scrollback = screen->capture_history(3000);  // where a completion marker would be
    } catch (const std::exception&) {
      scrollback = result.last_screen;
    }
  }
  // Our control client leaves before the session is killed: tmux 3.3a's
  // server crashes (in libevent) when a session dies under a control client.
  screen.reset();
  return after_monitor(paths, claim, agent, result, scrollback, place, stop);
}

}  // namespace kp
