#include "common/makespan_prediction.hpp"

#include <algorithm>
#include <queue>
#include <utility>

#include "common/task_id.hpp"

namespace kp {

namespace {

std::vector<std::vector<int>> dependents_of(const std::vector<SimTask>& tasks) {
  std::vector<std::vector<int>> out(tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) {
    for (int d : tasks[i].deps) {
      if (d >= 0 && static_cast<size_t>(d) < tasks.size()) out[size_t(d)].push_back(static_cast<int>(i));
    }
  }
  return out;
}

// Kahn's order; tasks on a cycle are left out.
std::vector<int> topological_order(const std::vector<SimTask>& tasks, const std::vector<std::vector<int>>& dependents) {
  std::vector<int> indegree(tasks.size(), 0), order, ready;
  for (size_t i = 0; i < tasks.size(); ++i) indegree[i] = static_cast<int>(tasks[i].deps.size());
  for (size_t i = 0; i < tasks.size(); ++i)
    if (indegree[i] == 0) ready.push_back(static_cast<int>(i));
  while (!ready.empty()) {
    int t = ready.back();
    ready.pop_back();
    order.push_back(t);
    for (int d : dependents[size_t(t)])
      if (--indegree[size_t(d)] == 0) ready.push_back(d);
  }
  return order;
}

// Higher priority first, then the smaller id: pick_ready_task's rule.
struct ReadyOrder {
  const std::vector<SimTask>* tasks;
  bool operator()(int a, int b) const {  // true: a comes after b
    const SimTask& x = (*tasks)[size_t(a)];
    const SimTask& y = (*tasks)[size_t(b)];
    if (x.priority != y.priority) return x.priority < y.priority;
    return task_id_less(y.id, x.id);
  }
};

}  // namespace

void assign_path_priorities(std::vector<SimTask>& tasks) {
  auto dependents = dependents_of(tasks);
  auto order = topological_order(tasks, dependents);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    SimTask& t = tasks[size_t(*it)];
    double after = 0;
    for (int d : dependents[size_t(*it)]) after = std::max(after, tasks[size_t(d)].priority);
    t.priority = t.weight + after;
  }
}

SimulatedSchedule simulate_schedule(const std::vector<SimTask>& tasks, int workers) {
  workers = std::max(workers, 1);
  SimulatedSchedule s;
  s.start.assign(tasks.size(), -1);
  s.finish.assign(tasks.size(), -1);
  auto dependents = dependents_of(tasks);
  std::vector<int> waiting(tasks.size(), 0);
  std::priority_queue<int, std::vector<int>, ReadyOrder> ready(ReadyOrder{&tasks});
  using Finish = std::pair<double, int>;  // time, task
  std::priority_queue<Finish, std::vector<Finish>, std::greater<>> running;
  for (size_t i = 0; i < tasks.size(); ++i) {
    s.work += tasks[i].weight;
    waiting[i] = static_cast<int>(tasks[i].deps.size());
    if (tasks[i].started) {
      s.start[i] = 0;
      running.push({tasks[i].weight, static_cast<int>(i)});
    } else if (waiting[i] == 0) {
      ready.push(static_cast<int>(i));
    }
  }
  double now = 0;
  while (true) {
    while (static_cast<int>(running.size()) < workers && !ready.empty()) {
      int t = ready.top();
      ready.pop();
      s.start[size_t(t)] = now;
      running.push({now + std::max(tasks[size_t(t)].weight, 0.0), t});
    }
    if (running.empty()) break;
    now = running.top().first;
    while (!running.empty() && running.top().first <= now) {  // everything finishing at `now`
      int t = running.top().second;
      running.pop();
      s.finish[size_t(t)] = now;
      s.makespan = std::max(s.makespan, now);
      for (int d : dependents[size_t(t)]) {
        if (--waiting[size_t(d)] == 0 && !tasks[size_t(d)].started) ready.push(d);
      }
    }
  }
  return s;
}

std::string_view to_string(WeightBasis basis) {
  switch (basis) {
    case WeightBasis::history: return "history";
    case WeightBasis::estimate: return "estimate";
    case WeightBasis::count: break;
  }
  return "count";
}

WeightedPlan weigh_plan(const Plan& plan, const TaskFile& file, const std::map<std::string, double>& medians) {
  WeightedPlan w;
  std::map<std::string, int> index_of;
  std::vector<double> known;
  for (const auto& p : plan.leaves) {
    if (!p.runnable()) continue;
    index_of[p.id] = static_cast<int>(w.tasks.size());
    SimTask t;
    t.id = p.id;
    t.priority = p.priority;
    t.weight = -1;
    if (auto m = medians.find(p.id); m != medians.end() && m->second > 0) {
      t.weight = m->second;
      ++w.from_history;
    } else if (auto e = file.tasks[size_t(p.index)].estimate_seconds; e && *e > 0) {
      t.weight = *e;
      ++w.from_estimate;
    }
    if (t.weight > 0) known.push_back(t.weight);
    w.tasks.push_back(std::move(t));
  }
  if (!known.empty()) {
    std::sort(known.begin(), known.end());
    size_t n = known.size();
    w.default_seconds = n % 2 ? known[n / 2] : (known[n / 2 - 1] + known[n / 2]) / 2;
  }
  size_t k = 0;
  for (const auto& p : plan.leaves) {
    if (!p.runnable()) continue;
    SimTask& t = w.tasks[k++];
    for (const auto& dep : p.deps) {
      if (auto it = index_of.find(dep); it != index_of.end()) t.deps.push_back(it->second);
    }
    if (t.weight <= 0) {
      t.weight = w.default_seconds;
      ++w.from_default;
    }
  }
  w.basis = w.from_default > 0 ? WeightBasis::count : w.from_estimate > 0 ? WeightBasis::estimate : WeightBasis::history;
  return w;
}

int knee_workers(const std::vector<WorkersMakespan>& by_workers, double tolerance) {
  if (by_workers.empty()) return 1;
  double best = by_workers.front().makespan_s;
  for (const auto& b : by_workers) best = std::min(best, b.makespan_s);
  int knee = by_workers.back().workers;
  for (const auto& b : by_workers) {
    if (b.makespan_s <= best * (1 + tolerance) + 1e-9) knee = std::min(knee, b.workers);
  }
  return knee;
}

Prediction predict_makespan(const std::vector<SimTask>& tasks, int workers) {
  Prediction p;
  p.workers = std::max(workers, 1);
  int width = 1;  // the most tasks ever running at once with unlimited workers
  {
    int unlimited = std::max(static_cast<int>(tasks.size()), 1);
    SimulatedSchedule s = simulate_schedule(tasks, unlimited);
    std::vector<std::pair<double, int>> events;
    for (size_t i = 0; i < tasks.size(); ++i) {
      if (s.start[i] < 0) continue;
      events.push_back({s.start[i], +1});
      events.push_back({s.finish[i], -1});
    }
    std::sort(events.begin(), events.end());  // a finish (-1) sorts before a start at the same time
    int at = 0;
    for (const auto& e : events) width = std::max(width, at += e.second);
  }
  int top = std::min(std::max(p.workers, width), 64);
  // Every count for a plan of usual size; for a huge one (each simulation
  // walks every task and dependency: 100,000 tasks took seconds for 64
  // counts) a spread of counts, so analyze stays fast; the knee is then the
  // best of those.
  size_t edges = 0;
  for (const auto& t : tasks) edges += t.deps.size();
  const bool every_count = tasks.size() + edges <= kEveryCountLimit;
  auto simulated = [&](int n) {
    if (n == p.workers) return true;
    if (n > top) return false;
    if (every_count) return true;
    for (int c : {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64}) {
      if (c == n) return true;
    }
    return n == top;
  };
  for (int n = 1; n <= std::max(top, p.workers); ++n) {
    if (!simulated(n)) continue;
    SimulatedSchedule s = simulate_schedule(tasks, n);
    WorkersMakespan m{n, s.makespan, s.makespan > 0 ? s.work / s.makespan : 0};
    p.by_workers.push_back(m);
    p.work_s = s.work;
    if (n == p.workers) {
      p.makespan_s = m.makespan_s;
      p.speedup = m.speedup;
    }
  }
  p.knee = knee_workers(p.by_workers);
  return p;
}

namespace {

bool still_to_do(TaskStatus s) { return s == TaskStatus::pending || s == TaskStatus::running; }

double fallback_weight(const RunState& state, const std::map<std::string, double>& medians) {
  std::vector<double> known;
  for (const auto& t : state.tasks) {
    if (auto m = medians.find(t.id); m != medians.end() && m->second > 0) known.push_back(m->second);
  }
  if (known.empty()) return kDefaultTaskSeconds;
  std::sort(known.begin(), known.end());
  size_t n = known.size();
  return n % 2 ? known[n / 2] : (known[n / 2 - 1] + known[n / 2]) / 2;
}

}  // namespace

std::vector<SimTask> remaining_work(const RunState& state, const std::map<std::string, double>& medians, double now) {
  double fallback = fallback_weight(state, medians);
  std::map<std::string, int> index_of;
  std::vector<SimTask> out;
  std::vector<const TaskState*> source;
  for (const auto& t : state.tasks) {
    if (!still_to_do(t.status)) continue;
    if (t.status == TaskStatus::pending && state.config.max_wave >= 0 && t.wave > state.config.max_wave) continue;
    SimTask s;
    s.id = t.id;
    auto m = medians.find(t.id);
    s.weight = m != medians.end() && m->second > 0 ? m->second : fallback;
    s.priority = t.priority;
    if (t.status == TaskStatus::running) {
      s.started = true;
      // Past its usual time, a running task is taken to finish any moment.
      if (t.started_epoch > 0) s.weight = std::max(s.weight - (now - t.started_epoch), 0.0);
    }
    index_of[t.id] = static_cast<int>(out.size());
    out.push_back(std::move(s));
    source.push_back(&t);
  }
  // A pending task waiting on one that cannot finish never runs: leave it out
  // by keeping the dependency on a missing index (simulate_schedule never starts it).
  for (size_t i = 0; i < out.size(); ++i) {
    for (const auto& dep : source[i]->deps) {
      const TaskState* d = state.find(dep);
      if (!d || d->status == TaskStatus::completed) continue;
      auto it = index_of.find(dep);
      out[i].deps.push_back(it != index_of.end() ? it->second : static_cast<int>(out.size()));
    }
  }
  return out;
}

std::optional<double> run_eta_seconds(const RunState& state, const std::map<std::string, double>& medians, double now) {
  std::vector<SimTask> left = remaining_work(state, medians, now);
  if (left.empty()) return std::nullopt;
  SimulatedSchedule s = simulate_schedule(left, state.config.max_parallel);
  if (std::none_of(s.start.begin(), s.start.end(), [](double at) { return at >= 0; })) return std::nullopt;
  return s.makespan;
}

}  // namespace kp
