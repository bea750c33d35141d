// The task lifecycle: every change of a task's status is one named function
// here, over a RunState the caller read under the StateLock (and writes back
// under it). Each transition resets the fields it owns, so no caller has to
// remember which ones.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>

#include "common/run_state.hpp"

namespace kp {

// After this many unexpected errors with the same text, a worker fails the
// task it holds instead of exiting to be respawned (which would repeat it).
inline constexpr int kSameWorkerErrorLimit = 3;

// A task's attempt failed. With `retry_allowed` and attempts left (attempts
// <= config.retries), it goes back to pending and true is returned; else it
// is failed and its dependents blocked. Either way its claim, phase and
// prompt flag are cleared and `why` is its message.
bool fail_attempt(RunState& state, std::string_view id, const std::string& why, bool retry_allowed);

// The task's merge cannot be done (not a held merge, not a conflict: a
// deleted branch, a broken repository): failed with the error, no retry.
void fail_merge(RunState& state, std::string_view id, const std::string& error);

// Completes the task (merged at `ended`) and records it in the completion
// history unless a completion of this attempt is already there (a worker
// killed between the two writes). Returns true when it appended one.
bool complete_once(RunState& state, std::string_view id, const std::filesystem::path& completed_json, double ended,
                   const std::string& message);

// A worker met an unexpected error while holding the task. Counts it; the
// kSameWorkerErrorLimit-th time in a row with the same text the task fails
// with it (returns true); else the task keeps its claim for a resume.
bool note_worker_error(RunState& state, std::string_view id, const std::string& error);

// The master stopped restarting workers: why, for `status`. Empty clears it.
void record_master_gave_up(RunState& state, const std::string& why);

}  // namespace kp
