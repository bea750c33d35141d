// The run summary's arithmetic on hand-made states: wall, work, speedup,
// efficiency, saved, the critical path as it ran, tokens, cost, retries.
#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/run_summary.hpp"

using namespace kp;

namespace {

constexpr double kT0 = 1'800'000'000;

TaskState done(const std::string& id, double start, double duration, std::vector<std::string> deps = {}) {
  TaskState t;
  t.id = id;
  t.status = TaskStatus::completed;
  t.started_epoch = kT0 + start;
  t.duration = duration;
  t.deps = std::move(deps);
  t.attempts = 1;
  return t;
}

// a (0-100) and b (0-40) in parallel; c (100-160) after a, d (40-70) after b.
RunState diamond() {
  RunState s;
  s.config.max_parallel = 2;
  s.tasks = {done("a", 0, 100), done("b", 0, 40), done("c", 100, 60, {"a", "b"}), done("d", 40, 30, {"b"})};
  return s;
}

}  // namespace

TEST_CASE("summary: wall, work, speedup, efficiency and saved of a finished run") {
  RunSummary s = summarize_run(diamond(), kT0 + 1000, std::nullopt);
  CHECK(s.wall_s == doctest::Approx(160));
  CHECK(s.work_s == doctest::Approx(230));
  CHECK(s.speedup == doctest::Approx(230.0 / 160));
  CHECK(s.efficiency == doctest::Approx(230.0 / 160 / 2));
  CHECK(s.saved_s == doctest::Approx(70));
  CHECK(s.completed == 4);
  CHECK(s.retries == 0);
  CHECK(s.failures == 0);
  CHECK_FALSE(s.cost.has_value());
}

TEST_CASE("summary: the critical path follows the dependency that ended last") {
  RunSummary s = summarize_run(diamond(), kT0 + 1000, std::nullopt);
  CHECK(s.critical_path == std::vector<std::string>{"a", "c"});
  CHECK(s.critical_s == doctest::Approx(160));
}

TEST_CASE("summary: a running task stretches the wall to now; its time is not work yet") {
  RunState st = diamond();
  TaskState r;
  r.id = "e";
  r.status = TaskStatus::running;
  r.started_epoch = kT0 + 160;
  r.attempts = 3;
  st.tasks.push_back(r);
  TaskState f;
  f.id = "f";
  f.status = TaskStatus::failed;
  f.attempts = 2;
  st.tasks.push_back(f);
  RunSummary s = summarize_run(st, kT0 + 200, std::nullopt);
  CHECK(s.wall_s == doctest::Approx(200));
  CHECK(s.work_s == doctest::Approx(230));
  CHECK(s.retries == 3);
  CHECK(s.failures == 1);
}

TEST_CASE("summary: nothing started gives zeros, not a division by zero") {
  RunState st;
  st.config.max_parallel = 3;
  st.tasks.push_back(TaskState{});
  RunSummary s = summarize_run(st, kT0, std::nullopt);
  CHECK(s.wall_s == 0);
  CHECK(s.speedup == 0);
  CHECK(s.efficiency == 0);
  CHECK(s.critical_path.empty());
}

TEST_CASE("summary: tokens and cost per million tokens") {
  RunState st = diamond();
  st.tasks[0].tokens_input = 1'000'000;
  st.tasks[0].tokens_output = 500'000;
  st.tasks[1].tokens_cache_read = 2'000'000;
  st.tasks[1].tokens_cache_creation = 100'000;
  TokenPrice price{3, 15, 0.3, 3.75};
  RunSummary s = summarize_run(st, kT0, price);
  CHECK(s.tokens == 3'600'000);
  REQUIRE(s.cost.has_value());
  CHECK(*s.cost == doctest::Approx(3 + 7.5 + 0.6 + 0.375));
}

TEST_CASE("summary: the price table of the settings") {
  using json = nlohmann::json;
  CHECK_FALSE(run_price(json::object(), "s.json").has_value());
  json one = json::parse(R"({"prices": {"sonnet": {"input": 3, "output": 15}}})");
  REQUIRE(run_price(one, "s.json").has_value());
  CHECK(run_price(one, "s.json")->output == 15);
  json two = json::parse(R"({"prices": {"sonnet": {"input": 3}, "opus": {"input": 15}}})");
  CHECK_FALSE(run_price(two, "s.json").has_value());  // which model ran is not known
  two["price_model"] = "opus";
  CHECK(run_price(two, "s.json")->input == 15);
  two["price_model"] = "haiku";
  CHECK_THROWS_AS(run_price(two, "s.json"), UsageError);
  CHECK_THROWS_AS(run_price(json::parse(R"({"prices": {"x": {"input": -1}}})"), "s.json"), UsageError);
  CHECK_THROWS_AS(run_price(json::parse(R"({"prices": [1]})"), "s.json"), UsageError);
}
