#include <doctest/doctest.h>

#include "common/agent_processes.hpp"
#include "common/spec_sessions.hpp"

using namespace kp;

namespace {

RunState state_with(const std::string& spec, std::vector<std::string> ids) {
  RunState s;
  s.spec = spec;
  for (auto& id : ids) {
    TaskState t;
    t.id = id;
    s.tasks.push_back(t);
  }
  return s;
}

}  // namespace

TEST_CASE("a spec's sessions are found by owner and exact name, never by a name prefix") {
  const std::filesystem::path repo = "/r/repo";
  RunState app = state_with("app", {"1.1"});
  std::vector<SessionInfo> all = {
      {"app-task-1-1", task_mark(repo, "app", "1.1")},
      {"app-task-x-task-1-1", task_mark(repo, "app-task-x", "1.1")},
      {"app-task-2-1", ""},                              // unowned, not in app's state: a person's
      {"app-task-9", task_mark("/other/repo", "app", "9")},  // another repository's spec app
      {"work", ""},
  };
  CHECK(spec_sessions(all, repo, "app", &app) == std::vector<std::string>{"app-task-1-1"});
  CHECK(spec_sessions(all, repo, "app-task-x", nullptr) == std::vector<std::string>{"app-task-x-task-1-1"});
  // A session made before the option existed: its exact name in state is enough.
  std::vector<SessionInfo> legacy = {{"app-task-1-1", ""}, {"app-task-1-10", ""}};
  CHECK(spec_sessions(legacy, repo, "app", &app) == std::vector<std::string>{"app-task-1-1"});
  CHECK(spec_sessions(legacy, repo, "app", nullptr).empty());
}

TEST_CASE("a task's session: its exact name and its own mark") {
  const std::filesystem::path repo = "/r/repo";
  TaskState t;
  t.id = "1.1";
  CHECK(is_task_session({"app-task-1-1", task_mark(repo, "app", "1.1")}, repo, "app", t));
  CHECK(is_task_session({"app-task-1-1", ""}, repo, "app", t));
  CHECK_FALSE(is_task_session({"app-task-1-1", task_mark("/elsewhere", "app", "1.1")}, repo, "app", t));
  CHECK_FALSE(is_task_session({"app-task-1-10", task_mark(repo, "app", "1.1")}, repo, "app", t));
  t.session = "custom";
  CHECK(is_task_session({"custom", ""}, repo, "app", t));
}
