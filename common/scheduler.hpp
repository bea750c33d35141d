// Pure scheduling decisions over a RunState: which task a free worker takes,
// what a failure blocks, whether work remains. No I/O, so unit tests drive it
// with hand-made states.
#pragma once
#include <string>
#include <vector>

#include "common/run_state.hpp"

namespace kp {

// All of the task's dependencies are completed (merged into the target).
bool deps_completed(const RunState& state, const TaskState& task);

// With serialize_same_boundary: a running task names one of `task`'s boundaries.
bool boundary_busy(const RunState& state, const TaskState& task);

// The ready task a free worker should take: pending, dependencies completed,
// within --wave, no running task on the same boundary (serialize_same_boundary);
// the longest remaining path first (critical path first), ties by id (1.9
// before 1.10). Returns its index, or -1.
int pick_ready_task(const RunState& state);

// Marks pending tasks that depend, directly or through others, on a failed,
// stopped or blocked task as blocked, naming the cause. Returns how many changed.
int propagate_blocked(RunState& state);

// Turns blocked tasks whose causes are gone (after a retry or reset) back to pending.
int unblock_resolved(RunState& state);

// True while some task runs or some pending task can still become ready
// (a dependent of a committed, unmerged task waits for `merge`: not ready).
bool work_remaining(const RunState& state);

struct StatusCounts {
  int pending = 0, running = 0, completed = 0, failed = 0, stopped = 0, blocked = 0, conflict = 0, committed = 0;
  int total() const { return pending + running + completed + failed + stopped + blocked + conflict + committed; }
};
StatusCounts count_statuses(const RunState& state);

}  // namespace kp
