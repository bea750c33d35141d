// run --no-merge: tasks stop at committed on their branches, the target
// branch does not move and dependents wait, until `kiro-parallel merge`.
#include <doctest/doctest.h>

#include "common/run_state.hpp"
#include "run_fixture.hpp"

using namespace kp;
using kp::test::RunFixture;
namespace fs = std::filesystem;

namespace {

int completions_of(const RunFixture& f, const std::string& id) {
  int n = 0;
  for (const auto& c : read_completions(f.paths().completed_json)) n += c.task_id == id ? 1 : 0;
  return n;
}

int journal_count(const RunFixture& f, const std::string& event, const std::string& id) {
  int n = 0;
  std::string text = test::read_text(f.paths().logs_dir / "events.jsonl");
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    auto j = nlohmann::json::parse(text.substr(start, end - start), nullptr, false);
    if (!j.is_discarded() && j.value("event", "") == event && j.value("task", "") == id) ++n;
    start = end + 1;
  }
  return n;
}

TaskStatus status_of(const RunFixture& f, const std::string& id) { return f.state().find(id)->status; }

}  // namespace

TEST_CASE("run --no-merge: tasks end committed, main unchanged, dependents wait; merge completes them once") {
  RunFixture f(R"(- [ ] 1. One
- [ ] 1.1 First
- [ ] 2. Two
- [ ] 2.1 After the first
  - _Depends: 1.1_
)",
               R"({"default": {"duration": 0.3}, "tasks": {"1.1": {"append": "a.txt"}, "2.1": {"append": "b.txt"}}})",
               {{"a.txt", "a\n"}, {"b.txt", "b\n"}});
  const std::string main_before = test::git(f.repo(), {"rev-parse", "main"});
  REQUIRE(f.start(2, {"--no-merge"}).exit_code == 0);
  auto watched = f.watch();
  CHECK_MESSAGE(watched.exit_code == 0, watched.out << watched.err << f.explain());
  CHECK(watched.out.find("committed, not merged") != std::string::npos);
  CHECK(status_of(f, "1.1") == TaskStatus::committed);
  CHECK(status_of(f, "2.1") == TaskStatus::pending);  // its dependency is not on main
  CHECK(test::git(f.repo(), {"rev-parse", "main"}) == main_before);
  CHECK(test::read_text(f.repo() / "a.txt") == "a\n");
  // (named by its fields: a bare "2.1" also matches a time such as 20:05:32.1)
  CHECK(f.sim_log_count({"prompt_received", "app 2.1"}) == 0);
  CHECK(f.sim_log_count({"task_started", "task=2.1"}) == 0);
  CHECK(completions_of(f, "1.1") == 0);
  CHECK(journal_count(f, "committed", "1.1") == 1);
  auto status = f.kp({"status", "app", "--json"});
  auto j = nlohmann::json::parse(status.out);
  CHECK(j["counts"]["committed"] == 1);
  CHECK(status.exit_code == 0);

  // A task that is not committed is refused, nothing changed.
  CHECK(f.kp({"merge", "app", "2.1"}).exit_code == 2);
  CHECK(f.kp({"merge", "app", "9.9"}).exit_code == 2);

  // merge: 1.1's work reaches main, recorded once; the master goes on with 2.1,
  // which (the run being --no-merge) stops at committed in its turn.
  auto merged = f.kp({"merge", "app"});
  CHECK_MESSAGE(merged.exit_code == 0, merged.out << merged.err);
  CHECK(status_of(f, "1.1") == TaskStatus::completed);
  CHECK(test::read_text(f.repo() / "a.txt").find("1.1") != std::string::npos);
  CHECK(completions_of(f, "1.1") == 1);
  CHECK(journal_count(f, "completed", "1.1") == 1);
  CHECK(merged.out.find("started the master") != std::string::npos);
  CHECK_MESSAGE(f.watch().exit_code == 0, f.explain());
  CHECK(status_of(f, "2.1") == TaskStatus::committed);
  CHECK(test::read_text(f.repo() / "b.txt") == "b\n");

  CHECK(f.kp({"merge", "app", "2.1", "--no-start"}).exit_code == 0);
  CHECK(status_of(f, "2.1") == TaskStatus::completed);
  CHECK(test::read_text(f.repo() / "b.txt").find("2.1") != std::string::npos);
  auto again = f.kp({"merge", "app"});
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("nothing to merge") != std::string::npos);
  CHECK(completions_of(f, "1.1") == 1);
  CHECK(completions_of(f, "2.1") == 1);
  CHECK(test::git(f.repo(), {"status", "--porcelain", "--untracked-files=no"}).empty());
}
