#include "common/task_lifecycle.hpp"

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/scheduler.hpp"

namespace kp {

namespace {

TaskState& task_or_throw(RunState& state, std::string_view id) {
  TaskState* t = state.find(id);
  if (!t) throw RuntimeError(fmt::format("spec {} has no task {} in its run state", state.spec, id));
  return *t;
}

// What every end of an attempt clears: the claim and where it had got to.
void release_claim(TaskState& t) {
  t.worker = -1;
  t.phase.clear();
  t.phase_since = now_epoch();
  t.prompt_sent = false;
  t.worker_errors = 0;
  t.last_worker_error.clear();
}

}  // namespace

bool fail_attempt(RunState& state, std::string_view id, const std::string& why, bool retry_allowed) {
  TaskState& t = task_or_throw(state, id);
  const bool retry = retry_allowed && t.attempts <= state.config.retries;
  t.status = retry ? TaskStatus::pending : TaskStatus::failed;
  release_claim(t);
  t.message = why;
  if (!retry) propagate_blocked(state);
  return retry;
}

void fail_merge(RunState& state, std::string_view id, const std::string& error) {
  TaskState& t = task_or_throw(state, id);
  t.status = TaskStatus::failed;
  release_claim(t);
  t.message = fmt::format("cannot merge the task's branch {}: {} (its worktree {} is kept; `kiro-parallel retry {} {}` "
                          "runs it again)",
                          t.branch, error, t.worktree, state.spec, t.id);
  propagate_blocked(state);
}

bool complete_once(RunState& state, std::string_view id, const std::filesystem::path& completed_json, double ended,
                   const std::string& message) {
  TaskState& t = task_or_throw(state, id);
  const double duration = t.started_epoch > 0 ? ended - t.started_epoch : 0;
  t.status = TaskStatus::completed;
  t.duration = duration;
  release_claim(t);
  t.message = message;
  // A completion since this attempt began is this one, recorded by a worker
  // killed before it wrote the state: never record it twice.
  const std::string since = iso8601_utc(t.started_epoch);
  for (const auto& c : read_completions(completed_json)) {
    if (t.started_epoch > 0 && c.task_id == t.id && c.completed_at >= since) return false;
  }
  append_completion(completed_json, {t.id, t.title, duration, iso8601_utc(ended)});
  return true;
}

bool note_worker_error(RunState& state, std::string_view id, const std::string& error) {
  TaskState& t = task_or_throw(state, id);
  if (t.status != TaskStatus::running) return false;
  t.worker_errors = t.last_worker_error == error ? t.worker_errors + 1 : 1;
  t.last_worker_error = error;
  if (t.worker_errors < kSameWorkerErrorLimit) return false;
  const int times = t.worker_errors;
  fail_attempt(state, id, fmt::format("the worker failed {} times in a row with the same error: {}", times, error),
               /*retry_allowed=*/false);
  return true;
}

void record_master_gave_up(RunState& state, const std::string& why) { state.master_gave_up = why; }

}  // namespace kp
