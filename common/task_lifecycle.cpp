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

// Every transition is journaled exactly once, here.
void journal(RunState& state, const TaskState& t, std::string_view event, const std::string& detail = {},
             const std::string& error = {}) {
  JournalEvent e;
  e.ts = iso8601_utc_ms(now_epoch());
  e.event = std::string(event);
  e.task = t.id;
  e.worker = t.worker;
  e.attempt = t.attempts;
  e.phase = t.phase;
  e.detail = detail;
  if (event == "completed") e.evidence = t.evidence;
  e.error = error;
  state.journal.push_back(std::move(e));
}

void put_phase(TaskState& t, Phase phase, const std::string& detail) {
  std::string text = phase_text(phase, detail);
  if (text != t.phase) t.phase_since = now_epoch();
  t.phase = std::move(text);
  t.phase_kind = phase;
  t.phase_detail = detail;
}

// What every end of an attempt clears: the claim and where it had got to.
void release_claim(TaskState& t) {
  t.worker = -1;
  put_phase(t, Phase::none, "");
  t.prompt_sent = false;
  t.worker_errors = 0;
  t.last_worker_error.clear();
}

// The journal's name for entering a phase: the ones a script waits for have
// their own, the rest are "phase".
std::string_view phase_event(Phase phase) {
  switch (phase) {
    case Phase::starting_agent: return "started";
    case Phase::needs_choice: return "needs_choice";
    case Phase::needs_input: return "needs_input";
    case Phase::answered: return "approved";
    case Phase::refused: return "refused";
    case Phase::possibly_stuck: return "possibly_stuck";
    default: return "phase";
  }
}

}  // namespace

void claim(RunState& state, std::string_view id, int worker, const std::string& session, const std::string& branch,
           const std::string& worktree) {
  TaskState& t = task_or_throw(state, id);
  t.status = TaskStatus::running;
  t.attempts += 1;
  t.started_epoch = now_epoch();
  t.started_at = iso8601_utc(t.started_epoch);
  t.duration.reset();
  t.message.clear();
  t.worker = worker;
  t.session = session;
  t.branch = branch;
  if (t.worktree.empty()) t.worktree = worktree;
  t.prompt_sent = false;
  t.worker_errors = 0;
  t.last_worker_error.clear();
  put_phase(t, Phase::claimed, "");
  journal(state, t, "claimed");
}

void resume(RunState& state, std::string_view id, int worker) {
  TaskState& t = task_or_throw(state, id);
  const std::string was = t.phase;
  t.worker = worker;
  put_phase(t, Phase::resuming, was);
  journal(state, t, "resumed", was);
}

void adopt(RunState& state, std::string_view id, const std::string& session, const std::string& branch) {
  TaskState& t = task_or_throw(state, id);
  t.status = TaskStatus::running;
  t.worker = -1;
  t.session = session;
  t.branch = branch;
  t.prompt_sent = true;
  if (t.started_epoch == 0) {
    t.started_epoch = now_epoch();
    t.started_at = iso8601_utc(t.started_epoch);
  }
  put_phase(t, Phase::adopted, "");
  journal(state, t, "adopted", "its session " + session + " was alive");
}

void release_for_resume(RunState& state, std::string_view id, const std::string& why) {
  TaskState& t = task_or_throw(state, id);
  if (t.worker == -1) return;
  t.worker = -1;
  journal(state, t, "released", why);
}

void release_dead_claim(RunState& state, std::string_view id, const std::string& why) {
  TaskState& t = task_or_throw(state, id);
  t.status = TaskStatus::pending;
  release_claim(t);
  journal(state, t, "released", why);
}

void set_phase(RunState& state, std::string_view id, Phase phase, const std::string& detail) {
  TaskState& t = task_or_throw(state, id);
  if (t.phase_kind == phase && t.phase_detail == detail) return;
  // "possibly stuck: screen unchanged for N s" counts up: one event when it begins.
  const bool counting = t.phase_kind == phase && phase == Phase::possibly_stuck;
  const double since = t.phase_since;
  put_phase(t, phase, detail);
  if (counting) {
    t.phase_since = since;  // the phase did not begin again
    return;
  }
  journal(state, t, phase_event(phase), detail);
}

void note_person_answer(RunState& state, std::string_view id, bool requested, const std::string& detail) {
  journal(state, task_or_throw(state, id), requested ? "answer_requested" : "answer_dropped", detail);
}

void set_phase_text(RunState& state, std::string_view id, const std::string& text) {
  set_phase(state, id, phase_of_text(text), phase_detail_of_text(text));
}

void deliver_prompt(RunState& state, std::string_view id) {
  TaskState& t = task_or_throw(state, id);
  if (t.prompt_sent) return;
  t.prompt_sent = true;
  journal(state, t, "prompt_delivered");
}

void forget_prompt(RunState& state, std::string_view id) { task_or_throw(state, id).prompt_sent = false; }

void record_evidence(RunState& state, std::string_view id, const std::string& evidence) {
  task_or_throw(state, id).evidence = evidence;
}

void hold_merge(RunState& state, std::string_view id, const std::string& why) {
  TaskState& t = task_or_throw(state, id);
  if (t.phase_kind == Phase::merge_held && t.message == why) return;
  put_phase(t, Phase::merge_held, "");
  t.message = why;
  journal(state, t, "merge_held", "", why);
}

bool fail_attempt(RunState& state, std::string_view id, const std::string& why, bool retry_allowed) {
  TaskState& t = task_or_throw(state, id);
  const bool retry = retry_allowed && t.attempts <= state.config.retries;
  journal(state, t, "failed", retry ? fmt::format("attempt {} of {}; will retry", t.attempts, state.config.retries + 1) : "",
          why);
  t.status = retry ? TaskStatus::pending : TaskStatus::failed;
  release_claim(t);
  t.message = why;
  state.journal.back().phase.clear();
  if (!retry) propagate_blocked(state);
  return retry;
}

void fail_merge(RunState& state, std::string_view id, const std::string& error) {
  TaskState& t = task_or_throw(state, id);
  journal(state, t, "failed", "cannot merge", error);
  state.journal.back().phase.clear();
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
  const double duration = t.status == TaskStatus::committed && t.duration ? *t.duration
                          : t.started_epoch > 0                         ? ended - t.started_epoch
                                                                        : 0;
  const int worker = t.worker;
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
  journal(state, t, "completed", message.empty() ? fmt::format("in {:.1f} s", duration) : message);
  state.journal.back().worker = worker;
  return true;
}

void commit_unmerged(RunState& state, std::string_view id, double ended) {
  TaskState& t = task_or_throw(state, id);
  const double duration = t.started_epoch > 0 ? ended - t.started_epoch : 0;
  const int worker = t.worker;
  t.status = TaskStatus::committed;
  t.duration = duration;
  release_claim(t);
  t.message = fmt::format("committed on {}, not merged (run --no-merge): kiro-parallel merge {} {}", t.branch,
                          state.spec, t.id);
  journal(state, t, "committed", fmt::format("in {:.1f} s; not merged", duration));
  state.journal.back().worker = worker;
}

void mark_conflict(RunState& state, std::string_view id, const std::string& message) {
  TaskState& t = task_or_throw(state, id);
  journal(state, t, "conflict", "", message);
  state.journal.back().phase.clear();
  t.status = TaskStatus::conflict;
  release_claim(t);
  t.message = message;
}

void stop(RunState& state, std::string_view id, const std::string& why) {
  TaskState& t = task_or_throw(state, id);
  journal(state, t, "stopped", why);
  state.journal.back().phase.clear();
  t.status = TaskStatus::stopped;
  release_claim(t);
  t.message = why;
  propagate_blocked(state);
}

void reset_for_retry(RunState& state, std::string_view id) {
  TaskState& t = task_or_throw(state, id);
  const std::string was(to_string(t.status));
  t.status = TaskStatus::pending;
  t.message.clear();
  release_claim(t);
  journal(state, t, "retried", "was " + was);
  unblock_resolved(state);
  propagate_blocked(state);
}

void block(RunState& state, std::string_view id, const std::string& why) {
  TaskState& t = task_or_throw(state, id);
  t.status = TaskStatus::blocked;
  t.message = why;
  journal(state, t, "blocked", why);
}

void unblock(RunState& state, std::string_view id) {
  TaskState& t = task_or_throw(state, id);
  t.status = TaskStatus::pending;
  t.message.clear();
  journal(state, t, "unblocked");
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

void start_from_plan(TaskState& t, const TaskState* before, bool ticked, bool blocked_in_md,
                     const std::string& blocked_reason) {
  if (before) {
    t.attempts = before->attempts;
    t.session = before->session;
    t.branch = before->branch;
    t.worktree = before->worktree;
    t.started_at = before->started_at;
    t.started_epoch = before->started_epoch;
    t.duration = before->duration;
  }
  if (ticked || (before && before->status == TaskStatus::completed)) {
    t.status = TaskStatus::completed;
  } else if (blocked_in_md) {
    t.status = TaskStatus::blocked;
    t.message = blocked_reason.empty() ? "blocked in tasks.md" : blocked_reason;
  } else if (before && (before->status == TaskStatus::running || before->status == TaskStatus::conflict ||
                        before->status == TaskStatus::committed)) {
    // A claimed task is resumed by the next worker; a conflict waits for a
    // person, a committed task for `merge`.
    t.status = before->status;
    t.worker = before->worker;
    t.phase = before->phase;
    t.phase_kind = before->phase_kind;
    t.phase_detail = before->phase_detail;
    t.phase_since = before->phase_since;
    t.message = before->message;
    t.prompt_sent = before->prompt_sent;
  } else {
    t.status = TaskStatus::pending;
  }
}

void record_plan_changes(RunState& state, const std::string& note) { state.plan_changes = note; }

void record_master_gave_up(RunState& state, const std::string& why) { state.master_gave_up = why; }

}  // namespace kp
