#include "master/master_daemon.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/control_channel.hpp"
#include "common/error.hpp"
#include "common/file_lock.hpp"
#include "common/log.hpp"
#include "common/notify.hpp"
#include "common/plan_drift.hpp"
#include "common/run_state.hpp"
#include "common/scheduler.hpp"
#include "common/settings.hpp"
#include "common/spec_sessions.hpp"
#include "common/stop_signals.hpp"
#include "common/task_lifecycle.hpp"
#include "common/subprocess.hpp"
#include "common/tmux_client.hpp"

namespace kp {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int kMaxRestarts = 8;                 // per worker slot, then the slot gives up
constexpr auto kWorkerGrace = std::chrono::seconds(5);

struct WorkerSlot {
  int id = 0;
  ChildProcess child;
  int restarts = 0;
  Clock::time_point next_start{};
  bool idle = true;  // not running: finished its work, or never started
  bool orphan = false;  // a live worker of an earlier master holds this id: wait for it
  bool running() const { return child.running() || orphan; }
};

// Reaps the workers that ended (woken by SIGCHLD); a death that no one asked
// for counts as a restart, with a growing back-off.
void reap_workers(std::vector<WorkerSlot>& slots, const SpecPaths& paths, Clock::time_point now) {
  for (auto& slot : slots) {
    if (slot.orphan && !worker_alive(paths, slot.id)) {
      slot.orphan = false;
      slot.idle = true;
      log_info("master: worker {} of an earlier master has ended", slot.id);
    }
    if (!slot.child.running()) continue;
    auto code = slot.child.poll();
    if (!code) continue;
    slot.idle = true;
    if (*code == 0) {
      log_info("master: worker {} finished", slot.id);
      continue;
    }
    ++slot.restarts;
    // 0.5 s, 1 s, 2 s ... 30 s: a crash loop is throttled, a one-off death barely delays the run.
    auto backoff = std::chrono::milliseconds(std::min(30000, 500 << std::min(slot.restarts - 1, 6)));
    slot.next_start = now + backoff;
    log_info("master: worker {} died unexpectedly (exit {}); restart {} of {} in {} ms", slot.id, *code,
             slot.restarts, kMaxRestarts, backoff.count());
  }
}

// `stop <spec> <task>` through the master: the parent stops the worker that
// holds the task (TERM to its process group, grace, KILL), a deliberate stop
// that does not count as a restart.
void stop_task_worker(std::vector<WorkerSlot>& slots, const SpecPaths& paths, const ControlRequest& request) {
  for (auto& slot : slots) {
    if (slot.id != request.worker) continue;
    // The worker may have let go of the task already (it sees the stop in the
    // state) and taken another: that one is not to be stopped.
    auto held = read_file(paths.worker_task(slot.id));
    if (held && held->substr(0, held->find('\n')) != request.task) {
      log_info("master: stop for task {}: worker {} no longer holds it", request.task, slot.id);
      return;
    }
    log_info("master: stopping worker {} for task {} (asked by stop)", slot.id, request.task);
    if (slot.child.running()) {
      int code = slot.child.terminate_group(kWorkerGrace);
      log_info("master: worker {} stopped (exit {})", slot.id, code);
      slot.idle = true;
    } else if (slot.orphan) {
      int pid = read_pid_file(paths.worker_pid(slot.id));
      if (pid > 0 && worker_alive(paths, slot.id)) terminate_process(pid, true, kWorkerGrace);
    }
    return;
  }
  log_info("master: stop for task {}: no worker {} here", request.task, request.worker);
}

// Handles what arrived on the control FIFO; true when asked to stop everything.
bool handle_requests(std::optional<ControlFifo>& control, std::vector<WorkerSlot>& slots, const SpecPaths& paths) {
  if (!control) return false;
  bool stop_all = false;
  for (const auto& request : control->read_requests()) {
    if (request.verb == "stop-all") {
      log_info("master: stop-all asked");
      stop_all = true;
    } else if (request.verb == "stop-task") {
      stop_task_worker(slots, paths, request);
    }
  }
  return stop_all;
}

// Something a worker could do now: a ready task (not for a monitor), or a running task whose worker is dead.
bool claimable_work(const SpecPaths& paths, const RunState& state, bool monitor_only) {
  if (!monitor_only && pick_ready_task(state) >= 0) return true;
  for (const auto& t : state.tasks) {
    if (t.status == TaskStatus::running && !worker_alive(paths, t.worker)) return true;
  }
  return false;
}

// Starts the slot's worker, or counts the live worker of an earlier master.
void start_worker_in(WorkerSlot& slot, const SpecPaths& paths, const std::string& self, bool monitor_only) {
  if (worker_alive(paths, slot.id)) {
    // Left by a master that was killed: it goes on with its task and claims
    // more; this master counts it and does not start a second worker 0.
    slot.orphan = true;
    log_info("master: worker {} of an earlier master is still alive; counting it", slot.id);
    return;
  }
  SpawnOptions options;
  options.stdout_path = paths.worker_log(slot.id);
  options.new_process_group = true;
  std::vector<std::string> argv{self, "worker", paths.spec, "--worker-id", std::to_string(slot.id), "-C",
                                paths.repo_root.string()};
  if (monitor_only) argv.push_back("--resume-only");
  slot.child = spawn_program(argv, options);
  slot.idle = false;
  log_info("master: worker {} started (pid {})", slot.id, slot.child.pid());
}

void open_control(const SpecPaths& paths, std::optional<ControlFifo>& control) {
  try {
    control.emplace(master_control_path(paths));
  } catch (const std::exception& e) {
    // stop and stop-all then act directly, as with no master.
    log_info("master: no control channel: {}", e.what());
  }
}

// On the way out: the children stopped (TERM to the group, grace, KILL), and
// the files of workers that are gone removed.
void stop_workers(std::vector<WorkerSlot>& slots, const SpecPaths& paths) {
  for (auto& slot : slots) {
    if (slot.child.running()) {
      int code = slot.child.terminate_group(kWorkerGrace);
      log_info("master: worker {} stopped (exit {})", slot.id, code);
    }
  }
  std::error_code ec;
  for (auto& slot : slots) {
    // A worker SIGKILLed at some point leaves its pid and task files; its lock says it is gone.
    if (worker_alive(paths, slot.id)) continue;
    std::filesystem::remove(paths.worker_pid(slot.id), ec);
    std::filesystem::remove(paths.worker_task(slot.id), ec);
  }
  std::filesystem::remove(paths.master_pid, ec);
}

// A finished run leaves no session of a completed task (a worker killed at
// the wrong moment can leave one behind).
void end_completed_sessions(const SpecPaths& paths) {
  try {
    auto state = read_run_state(paths.state_json);
    if (!state) return;
    TmuxClient tmux(state->config.tmux_socket);
    for (const auto& session : tmux.list_sessions_with_owner()) {
      for (const auto& t : state->tasks) {
        if (t.status != TaskStatus::completed || !is_task_session(session, paths.repo_root, paths.spec, t)) continue;
        log_info("master: ending the session {} left by completed task {}", session.name, t.id);
        tmux.kill_session(session.name);
      }
    }
  } catch (const std::exception& e) {
    log_info("master: {}", e.what());
  }
}

// Written into the state so that `status` says why no master runs.
void record_give_up(const SpecPaths& paths, const std::string& why) {
  try {
    update_run_state(paths, [&](RunState& s) {
      if (s.master_gave_up != why) record_master_gave_up(s, why);
    });
  } catch (const std::exception& e) {
    log_info("master: cannot record why it gave up: {}", e.what());
  }
}

bool run_time_is_up(const RunState& state) {
  if (state.config.run_deadline_epoch <= 0 || now_epoch() < state.config.run_deadline_epoch) return false;
  return std::any_of(state.tasks.begin(), state.tasks.end(), [](const TaskState& t) { return t.status == TaskStatus::pending; });
}

// run_timeout_minutes: no task starts any more; running ones end by their own
// timeout, which the worker cut to the deadline (the clean stop of task_timeout).
RunState stop_pending_at_deadline(const SpecPaths& paths) {
  int stopped = 0;
  RunState after;
  update_run_state(paths, [&](RunState& s) {
    for (auto& t : s.tasks) {
      if (t.status != TaskStatus::pending) continue;
      stop(s, t.id, fmt::format("not started: run_timeout_minutes ({}) reached", s.config.run_timeout_minutes));
      ++stopped;
    }
    propagate_blocked(s);
    after = s;
  });
  log_info("master: run_timeout_minutes reached; {} pending task{} stopped", stopped, stopped == 1 ? "" : "s");
  return after;
}

// notify.command of the settings; a bad "notify" is logged and notifies nothing.
std::vector<std::string> master_notify_command(const SpecPaths& paths) {
  try {
    Settings settings = load_settings(paths);
    return parse_notify_settings(settings.raw, settings.path).command;
  } catch (const std::exception& e) {
    log_info("master: {}; no notifications", e.what());
    return {};
  }
}


// What keeps the master going: work left, or for a monitor a task still running.
bool master_has_work(const RunState& state, bool monitor_only) {
  if (!monitor_only) return work_remaining(state);
  return std::any_of(state.tasks.begin(), state.tasks.end(), [](const TaskState& t) { return t.status == TaskStatus::running; });
}

}  // namespace

namespace {

// What the master last read from the state.
struct StateView {
  bool monitor_only = false;  // kiro-parallel monitor: running tasks only, no new claims
  bool work_left = true;
  bool wants_worker = true;
  // tasks.md as last compared with the run, and as last seen changed (with when).
  struct FileStamp {
    std::filesystem::file_time_type written;
    uintmax_t size = 0;
    bool operator==(const FileStamp&) const = default;
  };
  std::optional<FileStamp> tasks_md_compared, tasks_md_seen;
  Clock::time_point tasks_md_seen_at;
};

// How long tasks.md must hold still before the run is compared with it.
constexpr auto kTasksMdSettle = 250ms;

std::optional<StateView::FileStamp> stamp_of(const std::filesystem::path& file) {
  std::error_code ec;
  StateView::FileStamp stamp;
  stamp.written = std::filesystem::last_write_time(file, ec);
  if (!ec) stamp.size = std::filesystem::file_size(file, ec);
  if (ec) return std::nullopt;
  return stamp;
}

// tasks.md edited during the run (a person's commit, a pull): compared with
// the run's tasks once a change has held still, so that a removed task is not
// run and an added one is named (common/plan_drift). A file being rewritten
// (a worker's merge checks it out in place) can be read half-written, empty
// even: read then, every task would look removed. So the file must keep its
// time and size for kTasksMdSettle, and through the read itself.
void notice_plan_edits(const SpecPaths& paths, StateView& view, Clock::time_point now) {
  const auto stamp = stamp_of(paths.tasks_md);
  if (!stamp || stamp == view.tasks_md_compared) return;
  if (stamp != view.tasks_md_seen) {
    view.tasks_md_seen = stamp;
    view.tasks_md_seen_at = now;
    return;
  }
  if (now - view.tasks_md_seen_at < kTasksMdSettle) return;
  try {
    const TaskFile file = load_tasks_md(paths.tasks_md);
    if (stamp_of(paths.tasks_md) != stamp) return;  // changed while read: looked at again once it holds still
    view.tasks_md_compared = stamp;
    update_run_state(paths, [&](RunState& s) {
      const PlanDrift drift = plan_drift(file, s);
      if (!drift.removed.empty() || !drift.added.empty() || !s.plan_changes.empty()) {
        log_info("master: {}", drift.empty() ? "tasks.md matches the run again" : plan_drift_note(drift, s));
      }
      apply_plan_drift(s, drift);
    });
  } catch (const std::exception& e) {
    view.tasks_md_compared = stamp;  // said once per change
    log_info("master: tasks.md changed and cannot be read: {}", e.what());
  }
}

void observe_state(const SpecPaths& paths, Notifier& notifier, StateView& view) {
  notice_plan_edits(paths, view, Clock::now());
  try {
    if (auto s = read_run_state(paths.state_json)) {
      if (run_time_is_up(*s)) s = stop_pending_at_deadline(paths);
      view.work_left = master_has_work(*s, view.monitor_only);
      view.wants_worker = claimable_work(paths, *s, view.monitor_only);
      notifier.observe(*s);
    }
  } catch (const std::exception& e) {
    log_info("master: {}", e.what());
  }
}

// Starts workers in idle slots; true while any slot has one. At the start
// every slot gets a worker (workers wait for dependencies themselves); later
// an idle slot starts one only for claimable work: a ready task, or the task
// of a worker that died.
bool fill_slots(std::vector<WorkerSlot>& slots, const SpecPaths& paths, const std::string& self, StateView& view,
                bool first_round, Clock::time_point now) {
  bool any_running = false;
  for (auto& slot : slots) {
    if (slot.running()) {
      any_running = true;
      continue;
    }
    if (slot.restarts > kMaxRestarts || now < slot.next_start) continue;
    if (first_round || (view.work_left && view.wants_worker)) {
      start_worker_in(slot, paths, self, view.monitor_only);
      any_running = true;
      if (!first_round) view.wants_worker = false;  // one per state read
    }
  }
  return any_running;
}

bool every_slot_gave_up(const std::vector<WorkerSlot>& slots) {
  return std::all_of(slots.begin(), slots.end(), [](const WorkerSlot& s) { return s.restarts > kMaxRestarts; });
}

struct SupervisionEnd {
  bool stop_asked = false;
  bool work_left = true;
  std::string gave_up;  // why this master stopped restarting workers
};

// The master's loop: reaps and starts workers, answers control requests,
// until the run is over, a stop is asked or every slot gave up.
SupervisionEnd supervise(const SpecPaths& paths, std::vector<WorkerSlot>& slots, Notifier& notifier,
                         const std::atomic<bool>& stop_signal, bool monitor_only) {
  const std::string self = self_executable().string();
  std::optional<ControlFifo> control;
  open_control(paths, control);
  ChildSignalPipe child_ended;
  SupervisionEnd end;
  StateView view;
  view.monitor_only = monitor_only;
  auto last_state_read = Clock::time_point{};
  for (bool first_round = true; !stop_signal && !end.stop_asked; first_round = false) {
    const auto now = Clock::now();
    reap_workers(slots, paths, now);
    if (now - last_state_read >= 300ms) {
      last_state_read = now;
      observe_state(paths, notifier, view);
    }
    const bool any_running = fill_slots(slots, paths, self, view, first_round, now);
    if (!any_running && !view.work_left) break;
    if (!any_running && every_slot_gave_up(slots)) {
      end.gave_up = fmt::format("every worker slot died {} times in a row; see the workers' logs in {}",
                                kMaxRestarts + 1, paths.logs_dir.string());
      log_info("master: {}; exiting", end.gave_up);
      break;
    }
    // Woken at once by a child's end or a request; the state is read at least every 300 ms.
    wait_readable({child_ended.fd(), control ? control->fd() : -1}, 300);
    child_ended.drain();
    end.stop_asked = handle_requests(control, slots, paths);
  }
  end.work_left = view.work_left;
  return end;
}

}  // namespace

int run_master(const std::string& repo_dir, const std::string& spec, bool monitor_only) {
  SpecPaths paths = SpecPaths::resolve(repo_dir, spec);
  std::filesystem::create_directories(paths.logs_dir);
  auto singleton = FileLock::try_acquire(paths.master_lock);
  if (!singleton) {
    log_info("master: another master holds {}; exiting", paths.master_lock.string());
    return kExitFailure;
  }
  const std::atomic<bool>& g_stop = install_stop_signals();
  write_file_atomic(paths.master_pid, fmt::format("{}\n", ::getpid()));

  auto state = read_run_state(paths.state_json);
  if (!state) {
    log_info("master: no run state in {}; nothing to do", paths.state_json.string());
    return kExitUsage;
  }
  const int n = std::max(1, state->config.max_parallel);
  log_info("master started (pid {}) for spec {} with {} workers{}", ::getpid(), spec, n,
           monitor_only ? " (monitor: running tasks only, no new claims)" : "");
  std::vector<WorkerSlot> slots(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) slots[static_cast<size_t>(i)].id = i;
  Notifier notifier(master_notify_command(paths), spec, paths.logs_dir / "notify.log");
  record_give_up(paths, "");

  const SupervisionEnd end = supervise(paths, slots, notifier, g_stop, monitor_only);
  if (!g_stop && !end.stop_asked && !end.work_left) {
    auto s = read_run_state(paths.state_json);
    if (s && !work_remaining(*s)) notifier.run_ended(*s);  // a monitor may leave pending tasks: not the end
  }
  if (g_stop || end.stop_asked) log_info("master: stopping workers");
  stop_workers(slots, paths);
  if (!end.work_left) end_completed_sessions(paths);
  if (!end.gave_up.empty()) record_give_up(paths, end.gave_up);
  try {
    flush_run_state(paths);  // the snapshot covers the whole journal at exit
  } catch (const std::exception& e) {
    log_info("master: {}", e.what());
  }
  log_info("master exits");
  return end.gave_up.empty() ? kExitOk : kExitTasksFailed;
}

}  // namespace kp
