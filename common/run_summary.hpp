// What a run cost and saved, from its state: wall time, agent work, speedup,
// efficiency, the critical path as it actually ran, tokens, cost, retries and
// failures. Pure arithmetic over a RunState, so unit tests drive it by hand.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/run_state.hpp"

namespace kp {

// US dollars per million tokens of each kind, for one model (settings "prices").
struct TokenPrice {
  double input = 0, output = 0, cache_read = 0, cache_creation = 0;
};

struct RunSummary {
  double wall_s = 0;        // first start to last completion (or `now` while tasks run)
  double work_s = 0;        // sum of the completed tasks' durations
  double speedup = 0;       // work / wall; 0 when wall is 0
  double efficiency = 0;    // speedup / workers
  double saved_s = 0;       // work - wall: time saved against one task after another
  int workers = 0;          // config.max_parallel
  int completed = 0;
  long long tokens = 0;     // every kind, every task
  std::optional<double> cost;  // US dollars; none when no price applies
  std::vector<std::string> critical_path;  // as it ran: each task waited for the one before
  double critical_s = 0;    // first start of the path to its last end
  int retries = 0;          // attempts beyond the first, over all tasks
  int failures = 0;         // tasks failed or in conflict
};

long long task_tokens(const TaskState& task);
double task_cost(const TaskState& task, const TokenPrice& price);

// `price` is the run's model price, when the settings give one.
RunSummary summarize_run(const RunState& state, double now, const std::optional<TokenPrice>& price);

// The price that applies: settings "prices" {model: {input, output, cache_read,
// cache_creation}} and "price_model" naming the run's model; the only entry
// when there is one and no price_model. None otherwise: cost is then unknown.
// UsageError naming the file for a malformed table.
std::optional<TokenPrice> run_price(const nlohmann::json& settings, const std::string& path);

}  // namespace kp
