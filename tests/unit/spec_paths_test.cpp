#include <doctest/doctest.h>

#include "common/error.hpp"
#include "common/spec_paths.hpp"

using namespace kp;

TEST_CASE("spec names are plain folder names") {
  CHECK_NOTHROW(validate_spec_name("todo-app"));
  CHECK_NOTHROW(validate_spec_name("1-ui-design-system"));
  CHECK_THROWS_AS(validate_spec_name(""), UsageError);
  CHECK_THROWS_AS(validate_spec_name("a/b"), UsageError);
  CHECK_THROWS_AS(validate_spec_name(".."), UsageError);
  CHECK_THROWS_AS(validate_spec_name("x..y"), UsageError);
  CHECK_THROWS_AS(validate_spec_name("-rf"), UsageError);
  CHECK_THROWS_AS(validate_spec_name("a\nb"), UsageError);
}

TEST_CASE("names derived from spec and task id") {
  CHECK(session_name("todo-app", "1.10") == "todo-app-task-1-10");
  CHECK(session_name("a:b", "2") == "a-b-task-2");
  CHECK(branch_name("todo-app", "1.10") == "task-todo-app-1.10");
  CHECK(default_worktree_path("/x/repo", "s", "2.1") == "/x/worktrees/s/task-2.1");
}
