// The run summary of a real run with the simulated agent: status --json's
// "summary" agrees with the completion records, and watch prints it at the end.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include <nlohmann/json.hpp>

#include "common/run_state.hpp"
#include "run_fixture.hpp"

using namespace kp;
using kp::test::RunFixture;

namespace {

const char* kFourTasks = R"(# Implementation Plan

- [ ] 1. Core
- [ ] 1.1 Write the core
- [ ] 1.2 Test the core
- [ ] 2. Tools
- [ ] 2.1 Write the tool
- [ ] 2.2 Document the tool
)";

}  // namespace

TEST_CASE("run summary: status --json's summary is consistent with the completion records") {
  RunFixture f(kFourTasks, R"({"default": {"duration": 0.5, "prompts": 0}, "tasks": {"1.1": {"duration": 4}}})",
               {{".kiro/settings/parallel.json", R"({"prices": {"sim": {"input": 2, "output": 10}}})"}});
  auto started = f.start(2);
  REQUIRE_MESSAGE(started.exit_code == 0, started.out << started.err);
  RunResult watched = f.watch();
  REQUIRE_MESSAGE(watched.exit_code == 0, watched.out << watched.err << f.explain());
  CHECK(watched.out.find("speedup") != std::string::npos);
  CHECK(watched.out.find("critical path as it ran: 1.1 -> 1.2") != std::string::npos);

  RunResult status = f.kp({"status", "app", "--json"});
  REQUIRE(status.exit_code == 0);
  auto j = nlohmann::json::parse(status.out);
  const auto& s = j.at("summary");
  RunState state = f.state();
  auto history = read_completions(f.paths().completed_json);
  REQUIRE(history.size() == 4);

  double work = 0, first_start = 1e300, last_end = 0;
  long long input = 0, output = 0, tokens = 0;
  for (const auto& c : history) work += c.duration;
  for (const auto& t : state.tasks) {
    first_start = std::min(first_start, t.started_epoch);
    last_end = std::max(last_end, t.started_epoch + t.duration.value_or(0));
    input += t.tokens_input;
    output += t.tokens_output;
    tokens += t.tokens_input + t.tokens_output + t.tokens_cache_read + t.tokens_cache_creation;
  }
  CHECK(s.at("work_s").get<double>() == doctest::Approx(work).epsilon(1e-6));
  CHECK(s.at("wall_s").get<double>() == doctest::Approx(last_end - first_start).epsilon(1e-6));
  // 1.1 (4 s) then 1.2 beside 2.1 then 2.2: the run took less than the sum.
  CHECK(s.at("wall_s").get<double>() < work);
  CHECK(s.at("speedup").get<double>() == doctest::Approx(work / (last_end - first_start)).epsilon(1e-6));
  CHECK(s.at("efficiency").get<double>() == doctest::Approx(s.at("speedup").get<double>() / 2));
  CHECK(s.at("saved_s").get<double>() == doctest::Approx(work - (last_end - first_start)).epsilon(1e-6));
  CHECK(s.at("tokens").get<long long>() == tokens);
  CHECK(s.at("cost").get<double>() == doctest::Approx((input * 2.0 + output * 10.0) / 1e6));
  CHECK(s.at("retries").get<int>() == 0);
  CHECK(s.at("failures").get<int>() == 0);
  auto path = s.at("critical_path").get<std::vector<std::string>>();
  CHECK(path == std::vector<std::string>{"1.1", "1.2"});

  RunResult human = f.kp({"status", "app"});
  CHECK(human.out.find("wall ") != std::string::npos);
  CHECK(human.out.find("cost $") != std::string::npos);
}
