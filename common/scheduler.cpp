#include "common/scheduler.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "common/task_id.hpp"
#include "common/task_lifecycle.hpp"

namespace kp {

namespace {

bool in_wave_limit(const RunState& state, const TaskState& t) {
  return state.config.max_wave < 0 || t.wave <= state.config.max_wave;
}

bool is_dead_end(TaskStatus s) {
  return s == TaskStatus::failed || s == TaskStatus::stopped || s == TaskStatus::blocked;
}

}  // namespace

bool deps_completed(const RunState& state, const TaskState& task) {
  for (const auto& dep : task.deps) {
    const TaskState* d = state.find(dep);
    if (d && d->status != TaskStatus::completed) return false;
  }
  return true;
}

bool boundary_busy(const RunState& state, const TaskState& task) {
  if (!state.config.serialize_same_boundary || task.boundary.empty()) return false;
  for (const auto& other : state.tasks) {
    if (other.status != TaskStatus::running || &other == &task) continue;
    for (const auto& b : other.boundary) {
      if (std::find(task.boundary.begin(), task.boundary.end(), b) != task.boundary.end()) return true;
    }
  }
  return false;
}

int pick_ready_task(const RunState& state) {
  int best = -1;
  for (size_t i = 0; i < state.tasks.size(); ++i) {
    const TaskState& t = state.tasks[i];
    if (t.status != TaskStatus::pending || !in_wave_limit(state, t) || !deps_completed(state, t)) continue;
    if (boundary_busy(state, t)) continue;
    if (best < 0) {
      best = static_cast<int>(i);
      continue;
    }
    const TaskState& b = state.tasks[static_cast<size_t>(best)];
    if (t.priority > b.priority || (t.priority == b.priority && task_id_less(t.id, b.id))) {
      best = static_cast<int>(i);
    }
  }
  return best;
}

int propagate_blocked(RunState& state) {
  // Iterate to a fixed point; each pass is linear, the depth of the graph bounds the passes,
  // and a worklist over reverse edges keeps it linear overall.
  std::map<std::string, std::vector<size_t>> dependents;
  for (size_t i = 0; i < state.tasks.size(); ++i) {
    for (const auto& dep : state.tasks[i].deps) dependents[dep].push_back(i);
  }
  std::vector<size_t> work;
  for (size_t i = 0; i < state.tasks.size(); ++i) {
    if (is_dead_end(state.tasks[i].status)) work.push_back(i);
  }
  int changed = 0;
  while (!work.empty()) {
    size_t cause = work.back();
    work.pop_back();
    const std::string cause_id = state.tasks[cause].id;
    for (size_t d : dependents[cause_id]) {
      TaskState& t = state.tasks[d];
      if (t.status != TaskStatus::pending) continue;
      block(state, t.id, "waits on " + cause_id + " (" + std::string(to_string(state.tasks[cause].status)) + ")");
      ++changed;
      work.push_back(d);
    }
  }
  return changed;
}

int unblock_resolved(RunState& state) {
  int changed = 0;
  bool again = true;
  while (again) {
    again = false;
    for (auto& t : state.tasks) {
      if (t.status != TaskStatus::blocked || t.message.rfind("waits on ", 0) != 0) continue;
      bool dead_dep = false;
      for (const auto& dep : t.deps) {
        const TaskState* d = state.find(dep);
        if (d && is_dead_end(d->status)) dead_dep = true;
      }
      if (!dead_dep) {
        unblock(state, t.id);
        ++changed;
        again = true;
      }
    }
  }
  return changed;
}

bool work_remaining(const RunState& state) {
  for (const auto& t : state.tasks) {
    if (t.status == TaskStatus::running) return true;
  }
  // A pending task can still run unless a dependency is stuck for good
  // (failed, stopped, blocked, conflict; committed until `merge`) or it lies beyond --wave.
  std::set<std::string> stuck;
  for (const auto& t : state.tasks) {
    if (is_dead_end(t.status) || t.status == TaskStatus::conflict || t.status == TaskStatus::committed)
      stuck.insert(t.id);
  }
  // Propagate stuck through pending tasks (deps may be listed in any order).
  bool grew = true;
  while (grew) {
    grew = false;
    for (const auto& t : state.tasks) {
      if (t.status != TaskStatus::pending || stuck.count(t.id)) continue;
      for (const auto& dep : t.deps) {
        if (stuck.count(dep)) {
          stuck.insert(t.id);
          grew = true;
          break;
        }
      }
    }
  }
  for (const auto& t : state.tasks) {
    if (t.status == TaskStatus::pending && !stuck.count(t.id) && in_wave_limit(state, t)) return true;
  }
  return false;
}

StatusCounts count_statuses(const RunState& state) {
  StatusCounts c;
  for (const auto& t : state.tasks) {
    switch (t.status) {
      case TaskStatus::pending: ++c.pending; break;
      case TaskStatus::running: ++c.running; break;
      case TaskStatus::completed: ++c.completed; break;
      case TaskStatus::failed: ++c.failed; break;
      case TaskStatus::stopped: ++c.stopped; break;
      case TaskStatus::blocked: ++c.blocked; break;
      case TaskStatus::conflict: ++c.conflict; break;
      case TaskStatus::committed: ++c.committed; break;
    }
  }
  return c;
}

}  // namespace kp
