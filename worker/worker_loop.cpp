#include "worker/worker_loop.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <fmt/format.h>

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/file_lock.hpp"
#include "common/log.hpp"
#include "common/run_state.hpp"
#include "common/spec_paths.hpp"
#include "common/start_gate.hpp"
#include "common/stop_signals.hpp"
#include "common/task_lifecycle.hpp"
#include "worker/task_claim.hpp"
#include "worker/task_runner.hpp"

namespace kp {

namespace {

bool fail_on_repeated_error(const SpecPaths& paths, const std::string& id, const std::string& error) {
  bool failed = false;
  try {
    update_run_state(paths, [&](RunState& s) {
      if (s.find(id)) failed = note_worker_error(s, id, error);
    });
  } catch (const std::exception& e) {
    log_info("task {}: cannot record the worker's error: {}", id, e.what());
  }
  return failed;
}

// The run's start gate: its size is in the run's config (0: none).
StartGate start_gate(const SpecPaths& paths) {
  int slots = 0;
  try {
    StateLock lock(paths);
    if (auto state = read_run_state(paths.state_json)) slots = state->config.max_starting;
  } catch (const std::exception& e) {
    log_info("cannot read the run's max_starting ({}); starting without a gate", e.what());
  }
  return StartGate(paths.logs_dir, slots);  // logs/ is excluded from git: no untracked files
}

}  // namespace

int run_worker(const WorkerOptions& options) {
  SpecPaths paths = SpecPaths::resolve(options.repo_dir, options.spec);
  std::filesystem::create_directories(paths.logs_dir);
  // The liveness lock, held for the whole life of this process.
  auto alive = FileLock::try_acquire(paths.worker_lock(options.worker_id));
  if (!alive) {
    log_info("worker {}: another worker with this id is alive; exiting", options.worker_id);
    return kExitFailure;
  }
  const std::atomic<bool>& g_stop = install_stop_signals();
  write_file_atomic(paths.worker_pid(options.worker_id), fmt::format("{}\n", ::getpid()));
  log_info("worker {} started (pid {})", options.worker_id, ::getpid());
  const StartGate gate = start_gate(paths);
  while (!g_stop) {
    const auto gate_at = std::chrono::steady_clock::now();
    std::optional<StartSlot> slot = gate.enter(g_stop);
    if (!slot) break;
    const auto gate_waited = std::chrono::steady_clock::now() - gate_at;
    ClaimResult claimed = claim_task(paths, options.worker_id, options.resume_only);
    if (!claimed.claim) {
      slot.reset();
      if (claimed.why == NoClaim::finished) {
        log_info("worker {}: no work left", options.worker_id);
        break;
      }
      // Tasks are running whose completion may make more ready.
      for (int i = 0; i < 5 && !g_stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(60));
      continue;
    }
    const std::string id = claimed.claim->task.id;
    if (gate_waited > std::chrono::milliseconds(100)) {
      log_info("worker {}: task {}: waited {} ms for a start slot (max_starting {})", options.worker_id, id,
               std::chrono::duration_cast<std::chrono::milliseconds>(gate_waited).count(), gate.slots());
    }
    write_file_atomic(paths.worker_task(options.worker_id), id + "\n");
    TaskEnd end = TaskEnd::interrupted;
    try {
      end = run_claimed_task(paths, options.worker_id, *claimed.claim, g_stop, *slot);
    } catch (const std::exception& e) {
      // The task keeps its claim and its phase; exiting lets the master start
      // a fresh worker, which resumes it from where it got to. The same error
      // again and again would repeat for ever: then the task fails with it.
      if (!fail_on_repeated_error(paths, id, e.what())) {
        log_info("worker {}: task {}: unexpected error: {}; exiting so that it is resumed", options.worker_id, id,
                 e.what());
        return kExitFailure;
      }
      log_info("worker {}: task {} failed: the same unexpected error {} times: {}", options.worker_id, id,
               kSameWorkerErrorLimit, e.what());
      end = TaskEnd::failed;
    }
    std::error_code ec;
    std::filesystem::remove(paths.worker_task(options.worker_id), ec);
    log_info("worker {}: task {} {}", options.worker_id, id, to_string(end));
  }
  std::error_code ec;
  std::filesystem::remove(paths.worker_pid(options.worker_id), ec);
  log_info("worker {} exits{}", options.worker_id, g_stop ? " (signal)" : "");
  return kExitOk;
}

}  // namespace kp
