// The task lifecycle: every change of a task's status, and every phase, is
// one named function here over a RunState the caller read under the
// StateLock; each resets the fields it owns and adds one event to
// state.journal, which commit_run_state (update_run_state) appends to
// logs/events.jsonl. Nothing else edits a task's status.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>

#include "common/run_state.hpp"

namespace kp {

// After this many unexpected errors with the same text, a worker fails the
// task it holds instead of exiting to be respawned (which would repeat it).
inline constexpr int kSameWorkerErrorLimit = 3;

// --- claims --------------------------------------------------------------
// A pending task taken by `worker`: a new attempt. Sets session/branch/worktree.
void claim(RunState& state, std::string_view id, int worker, const std::string& session, const std::string& branch,
           const std::string& worktree);
// A running task nobody live holds, taken over by `worker`.
void resume(RunState& state, std::string_view id, int worker);
// `recover` found the task's session alive though the state did not show it running.
void adopt(RunState& state, std::string_view id, const std::string& session, const std::string& branch);
// A dead worker's claim on a task whose agent can go on (or whose merge is
// under way): claimable again, still running.
void release_for_resume(RunState& state, std::string_view id, const std::string& why);
// A dead worker's claim on a task with nothing left to resume: pending again.
void release_dead_claim(RunState& state, std::string_view id, const std::string& why);

// --- the attempt ---------------------------------------------------------
void set_phase(RunState& state, std::string_view id, Phase phase, const std::string& detail = {});
// The monitor's phase text, read by phase_of_text.
void set_phase_text(RunState& state, std::string_view id, const std::string& text);
void deliver_prompt(RunState& state, std::string_view id);
void forget_prompt(RunState& state, std::string_view id);  // a new agent session: not sent to it yet
void record_evidence(RunState& state, std::string_view id, const std::string& evidence);
void hold_merge(RunState& state, std::string_view id, const std::string& why);
// A person's answer to a pending prompt (watch's y / n): asked for
// (answer_requested) or dropped by the worker because the prompt it named is
// no longer the one pending (answer_dropped). Journaled only; the phase the
// worker sets when it delivers the answer journals approved / refused.
void note_person_answer(RunState& state, std::string_view id, bool requested, const std::string& detail);

// --- ends ----------------------------------------------------------------
// With `retry_allowed` and attempts left (attempts <= config.retries) the
// task goes back to pending and true is returned; else it fails and its
// dependents are blocked.
bool fail_attempt(RunState& state, std::string_view id, const std::string& why, bool retry_allowed);
// A merge error that is neither held nor a conflict: failed, no retry.
void fail_merge(RunState& state, std::string_view id, const std::string& error);
// Completes the task (merged at `ended`) and records it in the completion
// history unless a completion of this attempt is already there. Returns true
// when it appended one. A committed task keeps the duration of its work.
bool complete_once(RunState& state, std::string_view id, const std::filesystem::path& completed_json, double ended,
                   const std::string& message);
// run --no-merge: the task's work is committed on its branch at `ended`; it
// stops there (status committed, its duration kept) until `kiro-parallel merge`.
void commit_unmerged(RunState& state, std::string_view id, double ended);
void mark_conflict(RunState& state, std::string_view id, const std::string& message);
void stop(RunState& state, std::string_view id, const std::string& why);
// failed / stopped / blocked -> pending (a person's `retry`); its worktree stays.
void reset_for_retry(RunState& state, std::string_view id);
void block(RunState& state, std::string_view id, const std::string& why);
void unblock(RunState& state, std::string_view id);

// A worker met an unexpected error while holding the task. The
// kSameWorkerErrorLimit-th time in a row with the same text the task fails
// with it (returns true); else it keeps its claim for a resume.
bool note_worker_error(RunState& state, std::string_view id, const std::string& error);

// A new run's task `t` (fresh from the plan) from what the last run recorded
// (`before`, may be null) and tasks.md: completed work stays completed, a
// running task stays claimed so that it is resumed, a conflict waits for
// `retry`; failed and stopped tasks get another try. Not journaled: no
// transition, the state being built.
void start_from_plan(TaskState& t, const TaskState* before, bool ticked, bool blocked_in_md,
                     const std::string& blocked_reason);

// The master stopped restarting workers: why, for `status`. Empty clears it.
void record_master_gave_up(RunState& state, const std::string& why);
// What changed in tasks.md during the run (common/plan_drift), for `status`
// and `watch`. Empty clears it.
void record_plan_changes(RunState& state, const std::string& note);

}  // namespace kp
