#include "master/master_daemon.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/file_lock.hpp"
#include "common/log.hpp"
#include "common/notify.hpp"
#include "common/run_state.hpp"
#include "common/scheduler.hpp"
#include "common/settings.hpp"
#include "common/stop_signals.hpp"
#include "common/task_lifecycle.hpp"
#include "common/subprocess.hpp"

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

// Something a worker could do now: a ready task, or a running task whose worker is dead.
bool claimable_work(const SpecPaths& paths, const RunState& state) {
  if (pick_ready_task(state) >= 0) return true;
  for (const auto& t : state.tasks) {
    if (t.status == TaskStatus::running && !worker_alive(paths, t.worker)) return true;
  }
  return false;
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

}  // namespace

int run_master(const std::string& repo_dir, const std::string& spec) {
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
  log_info("master started (pid {}) for spec {} with {} workers", ::getpid(), spec, n);
  const std::string self = self_executable().string();
  std::vector<WorkerSlot> slots(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) slots[static_cast<size_t>(i)].id = i;

  auto start_worker = [&](WorkerSlot& slot) {
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
    slot.child = spawn_program({self, "worker", spec, "--worker-id", std::to_string(slot.id), "-C",
                                paths.repo_root.string()},
                               options);
    slot.idle = false;
    log_info("master: worker {} started (pid {})", slot.id, slot.child.pid());
  };

  Notifier notifier(master_notify_command(paths), spec, paths.logs_dir / "notify.log");
  auto last_state_read = Clock::time_point{};
  bool work_left = true;
  bool wants_worker = true;
  bool first_round = true;
  std::string gave_up;  // why this master stopped restarting workers
  record_give_up(paths, "");
  while (!g_stop) {
    const auto now = Clock::now();
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
    if (now - last_state_read >= 300ms) {
      last_state_read = now;
      try {
        if (auto s = read_run_state(paths.state_json)) {
          if (run_time_is_up(*s)) s = stop_pending_at_deadline(paths);
          work_left = work_remaining(*s);
          wants_worker = claimable_work(paths, *s);
          notifier.observe(*s);
        }
      } catch (const std::exception& e) {
        log_info("master: {}", e.what());
      }
    }
    bool any_running = false;
    for (auto& slot : slots) {
      if (slot.running()) {
        any_running = true;
        continue;
      }
      if (slot.restarts > kMaxRestarts || now < slot.next_start) continue;
      // At the start every slot gets a worker (workers wait for dependencies
      // themselves); later an idle slot starts one only for claimable work: a
      // ready task, or the task of a worker that died.
      if (first_round || (work_left && wants_worker)) {
        start_worker(slot);
        any_running = true;
        if (!first_round) wants_worker = false;  // one per state read
      }
    }
    first_round = false;
    if (!any_running && !work_left) break;
    bool all_gave_up = !any_running;
    for (auto& slot : slots) {
      if (slot.restarts <= kMaxRestarts) all_gave_up = false;
    }
    if (all_gave_up) {
      gave_up = fmt::format("every worker slot died {} times in a row; see the workers' logs in {}",
                            kMaxRestarts + 1, paths.logs_dir.string());
      log_info("master: {}; exiting", gave_up);
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  if (!g_stop && !work_left) {
    if (auto s = read_run_state(paths.state_json)) notifier.run_ended(*s);
  }
  if (g_stop) log_info("master: stopping workers");
  for (auto& slot : slots) {
    if (slot.child.running()) {
      int code = slot.child.terminate_group(kWorkerGrace);
      log_info("master: worker {} stopped (exit {})", slot.id, code);
    }
  }
  if (!gave_up.empty()) record_give_up(paths, gave_up);
  std::error_code ec;
  std::filesystem::remove(paths.master_pid, ec);
  log_info("master exits");
  return gave_up.empty() ? kExitOk : kExitTasksFailed;
}

}  // namespace kp
