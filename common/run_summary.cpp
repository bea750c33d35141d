#include "common/run_summary.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "common/error.hpp"

namespace kp {

namespace {

bool has_times(const TaskState& t) { return t.status == TaskStatus::completed && t.duration && t.started_epoch > 0; }
double end_of(const TaskState& t) { return t.started_epoch + *t.duration; }

// From the task that ended last, back through the dependency that ended last
// before each one started: the chain that actually held the run up.
std::vector<std::string> actual_critical_path(const RunState& state, double& length) {
  const TaskState* last = nullptr;
  for (const auto& t : state.tasks) {
    if (has_times(t) && (!last || end_of(t) > end_of(*last))) last = &t;
  }
  std::vector<std::string> path;
  length = 0;
  if (!last) return path;
  double path_end = end_of(*last);
  const TaskState* at = last;
  while (at && path.size() <= state.tasks.size()) {
    path.push_back(at->id);
    length = path_end - at->started_epoch;
    const TaskState* gate = nullptr;
    for (const auto& dep : at->deps) {
      const TaskState* d = state.find(dep);
      if (d && has_times(*d) && (!gate || end_of(*d) > end_of(*gate))) gate = d;
    }
    at = gate;
  }
  std::reverse(path.begin(), path.end());
  return path;
}

}  // namespace

long long task_tokens(const TaskState& t) {
  return t.tokens_input + t.tokens_output + t.tokens_cache_read + t.tokens_cache_creation;
}

double task_cost(const TaskState& t, const TokenPrice& p) {
  return (static_cast<double>(t.tokens_input) * p.input + static_cast<double>(t.tokens_output) * p.output +
          static_cast<double>(t.tokens_cache_read) * p.cache_read +
          static_cast<double>(t.tokens_cache_creation) * p.cache_creation) /
         1e6;
}

RunSummary summarize_run(const RunState& state, double now, const std::optional<TokenPrice>& price) {
  RunSummary s;
  s.workers = std::max(state.config.max_parallel, 1);
  double first_start = 0, last_end = 0;
  bool running = false;
  for (const auto& t : state.tasks) {
    if (t.started_epoch > 0 && (first_start == 0 || t.started_epoch < first_start)) first_start = t.started_epoch;
    if (t.status == TaskStatus::running) running = true;
    if (has_times(t)) last_end = std::max(last_end, end_of(t));
    if (t.status == TaskStatus::completed && t.duration) {
      s.work_s += *t.duration;
      ++s.completed;
    }
    s.tokens += task_tokens(t);
    s.retries += std::max(t.attempts - 1, 0);
    if (t.status == TaskStatus::failed || t.status == TaskStatus::conflict) ++s.failures;
  }
  if (running) last_end = std::max(last_end, now);
  if (first_start > 0 && last_end > first_start) s.wall_s = last_end - first_start;
  if (s.wall_s > 0) s.speedup = s.work_s / s.wall_s;
  s.efficiency = s.speedup / s.workers;
  s.saved_s = s.work_s - s.wall_s;
  s.critical_path = actual_critical_path(state, s.critical_s);
  if (price) {
    double cost = 0;
    for (const auto& t : state.tasks) cost += task_cost(t, *price);
    s.cost = cost;
  }
  return s;
}

namespace {

using json = nlohmann::json;

TokenPrice parse_price(const json& j, const std::string& key, const std::string& path) {
  if (!j.is_object()) throw UsageError(fmt::format("{}: \"{}\" must be an object of prices per million tokens", path, key));
  TokenPrice p;
  auto field = [&](const char* name, double& out) {
    if (!j.contains(name)) return;
    if (!j[name].is_number() || j[name].get<double>() < 0)
      throw UsageError(fmt::format("{}: \"{}.{}\" must be a number of US dollars per million tokens, 0 or more", path, key, name));
    out = j[name].get<double>();
  };
  field("input", p.input);
  field("output", p.output);
  field("cache_read", p.cache_read);
  field("cache_creation", p.cache_creation);
  return p;
}

}  // namespace

std::optional<TokenPrice> run_price(const json& settings, const std::string& path) {
  if (!settings.is_object() || !settings.contains("prices")) return std::nullopt;
  const json& prices = settings["prices"];
  if (!prices.is_object()) throw UsageError(fmt::format("{}: \"prices\" must be an object: model -> prices", path));
  std::map<std::string, TokenPrice> table;
  for (const auto& [model, p] : prices.items()) table[model] = parse_price(p, "prices." + model, path);
  if (settings.contains("price_model")) {
    if (!settings["price_model"].is_string()) throw UsageError(fmt::format("{}: \"price_model\" must be a string", path));
    std::string model = settings["price_model"].get<std::string>();
    auto it = table.find(model);
    if (it == table.end()) throw UsageError(fmt::format("{}: \"price_model\" {} is not in \"prices\"", path, model));
    return it->second;
  }
  if (table.size() == 1) return table.begin()->second;
  return std::nullopt;
}

}  // namespace kp
