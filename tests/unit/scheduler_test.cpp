#include <doctest/doctest.h>

#include "common/scheduler.hpp"

using namespace kp;

namespace {

TaskState task(std::string id, std::vector<std::string> deps, double priority = 1,
               TaskStatus status = TaskStatus::pending) {
  TaskState t;
  t.id = std::move(id);
  t.deps = std::move(deps);
  t.priority = priority;
  t.status = status;
  return t;
}

}  // namespace

TEST_CASE("a free worker takes the ready task with the longest remaining path") {
  RunState s;
  s.tasks = {task("1.1", {}, 2), task("1.2", {"1.1"}, 1), task("2.1", {}, 5), task("3.1", {"9.9"}, 9)};
  // 3.1 depends on an unknown id (warned about by the planner): it does not wait on it.
  CHECK(s.tasks[static_cast<size_t>(pick_ready_task(s))].id == "3.1");
  s.tasks[3].status = TaskStatus::running;
  CHECK(s.tasks[static_cast<size_t>(pick_ready_task(s))].id == "2.1");
  s.tasks[2].status = TaskStatus::running;
  CHECK(s.tasks[static_cast<size_t>(pick_ready_task(s))].id == "1.1");
  s.tasks[0].status = TaskStatus::running;
  CHECK(pick_ready_task(s) == -1);  // 1.2 waits until 1.1 is completed (merged)
  s.tasks[0].status = TaskStatus::completed;
  CHECK(s.tasks[static_cast<size_t>(pick_ready_task(s))].id == "1.2");
}

TEST_CASE("ties go by id as integer tuples: 1.9 before 1.10") {
  RunState s;
  s.tasks = {task("1.10", {}), task("1.9", {})};
  CHECK(s.tasks[static_cast<size_t>(pick_ready_task(s))].id == "1.9");
}

TEST_CASE("--wave limits what is claimable") {
  RunState s;
  s.tasks = {task("1.1", {}), task("1.2", {})};
  s.tasks[1].wave = 1;
  s.config.max_wave = 0;
  s.tasks[0].status = TaskStatus::completed;
  CHECK(pick_ready_task(s) == -1);
  CHECK_FALSE(work_remaining(s));
}

TEST_CASE("a failure blocks its dependents transitively, and only them") {
  RunState s;
  s.tasks = {task("1", {}, 1, TaskStatus::failed), task("2", {"1"}), task("3", {"2"}), task("4", {})};
  CHECK(propagate_blocked(s) == 2);
  CHECK(s.tasks[1].status == TaskStatus::blocked);
  CHECK(s.tasks[2].status == TaskStatus::blocked);
  CHECK(s.tasks[1].message == "waits on 1 (failed)");
  CHECK(s.tasks[3].status == TaskStatus::pending);
  CHECK(work_remaining(s));
  s.tasks[3].status = TaskStatus::completed;
  CHECK_FALSE(work_remaining(s));
  // After the failed task is reset for another try, its dependents are pending again.
  s.tasks[0].status = TaskStatus::pending;
  CHECK(unblock_resolved(s) == 2);
  CHECK(s.tasks[2].status == TaskStatus::pending);
}

TEST_CASE("a conflict makes dependents wait without blocking them") {
  RunState s;
  s.tasks = {task("1", {}, 1, TaskStatus::conflict), task("2", {"1"})};
  CHECK(propagate_blocked(s) == 0);
  CHECK(pick_ready_task(s) == -1);
  CHECK_FALSE(work_remaining(s));  // nothing can move until a person resolves it
  CHECK(count_statuses(s).conflict == 1);
}

TEST_CASE("serialize_same_boundary: a task waits while another on its boundary runs") {
  RunState s;
  s.tasks = {task("2.1", {}, 3), task("2.2", {}, 2), task("2.3", {}, 1)};
  s.tasks[0].boundary = {"Tags"};
  s.tasks[1].boundary = {"Search", "Tags"};
  s.tasks[2].boundary = {"Import"};
  s.tasks[0].status = TaskStatus::running;
  CHECK(s.tasks[static_cast<size_t>(pick_ready_task(s))].id == "2.2");  // off by default
  s.config.serialize_same_boundary = true;
  CHECK(boundary_busy(s, s.tasks[1]));
  CHECK_FALSE(boundary_busy(s, s.tasks[2]));
  CHECK(s.tasks[static_cast<size_t>(pick_ready_task(s))].id == "2.3");
  s.tasks[2].status = TaskStatus::running;
  CHECK(pick_ready_task(s) == -1);
  s.tasks[0].status = TaskStatus::completed;
  CHECK(s.tasks[static_cast<size_t>(pick_ready_task(s))].id == "2.2");
}
