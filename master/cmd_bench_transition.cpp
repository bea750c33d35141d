// `bench-transition <spec> [--count K]` (internal): the cost of one task
// transition as a worker pays it (lock, read the state, change one phase,
// journal it, write the state), measured on the spec's own run state.
// scripts/bench-transition.sh runs it on generated states of 10 to 100,000 tasks.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/run_state.hpp"
#include "common/task_lifecycle.hpp"
#include "master/cli_args.hpp"
#include "master/command.hpp"

namespace kp {

namespace {

int handler(const ParsedArgs& parsed);

}  // namespace

const Command kCmdBenchTransition = {
    .name = "bench-transition",
    .summary = "internal: time K phase transitions of the spec's first running task",
    .positionals = {{"<spec>", PositionalKind::spec}},
    .options = {{{"--count"}, "K", "transitions to time (default 20)"}},
    .help = "Prints tasks, state bytes, median and 90th percentile milliseconds per\n"
            "transition. It changes the state: use it on a copy (scripts/bench-transition.sh).\n",
    .handler = handler,
    .internal = true,
};

namespace {

int handler(const ParsedArgs& parsed) {
  SpecPaths paths = SpecPaths::resolve(repo_dir_arg(parsed), parsed.positionals[0]);
  const int count = static_cast<int>(parsed.integer("--count", 1, 100000).value_or(20));
  auto state = read_run_state(paths.state_json);
  if (!state) throw UsageError(fmt::format("bench-transition: no run state for spec {}", paths.spec));
  auto running = std::find_if(state->tasks.begin(), state->tasks.end(),
                              [](const TaskState& t) { return t.status == TaskStatus::running; });
  if (running == state->tasks.end()) throw UsageError("bench-transition: the state has no running task");
  const std::string id = running->id;
  std::vector<double> ms;
  for (int i = 0; i < count; ++i) {
    const auto start = std::chrono::steady_clock::now();
    update_run_state(paths, [&](RunState& s) { set_phase(s, id, i % 2 ? Phase::agent_busy : Phase::agent_working); });
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  std::error_code ec;
  fmt::print("tasks {:>7}  state {:>10} bytes  transition median {:8.2f} ms  p90 {:8.2f} ms  ({} timed)\n",
             state->tasks.size(), std::filesystem::file_size(paths.state_json, ec), ms[ms.size() / 2],
             ms[std::min(ms.size() - 1, ms.size() * 9 / 10)], ms.size());
  return kExitOk;
}

}  // namespace

}  // namespace kp
