#include "common/makespan_prediction.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <utility>

#include "common/median.hpp"
#include "common/task_id.hpp"

namespace kp {

namespace {

// Who waits for each task, as one flat array (CSR): built once per prediction,
// shared by every simulated worker count.
struct Dependents {
  std::vector<int> start;  // tasks.size() + 1 offsets into `of`
  std::vector<int> of;
};

Dependents dependents_of(const std::vector<SimTask>& tasks) {
  Dependents d;
  d.start.assign(tasks.size() + 1, 0);
  for (const auto& t : tasks) {
    for (int dep : t.deps) {
      if (dep >= 0 && static_cast<size_t>(dep) < tasks.size()) ++d.start[size_t(dep) + 1];
    }
  }
  for (size_t i = 0; i < tasks.size(); ++i) d.start[i + 1] += d.start[i];
  d.of.resize(size_t(d.start.back()));
  std::vector<int> at(d.start.begin(), d.start.end() - 1);
  for (size_t i = 0; i < tasks.size(); ++i) {
    for (int dep : tasks[i].deps) {
      if (dep >= 0 && static_cast<size_t>(dep) < tasks.size()) d.of[size_t(at[size_t(dep)]++)] = static_cast<int>(i);
    }
  }
  return d;
}

// Kahn's order; tasks on a cycle are left out.
std::vector<int> topological_order(const std::vector<SimTask>& tasks, const Dependents& dependents) {
  std::vector<int> indegree(tasks.size(), 0), order, ready;
  for (size_t i = 0; i < tasks.size(); ++i) indegree[i] = static_cast<int>(tasks[i].deps.size());
  for (size_t i = 0; i < tasks.size(); ++i)
    if (indegree[i] == 0) ready.push_back(static_cast<int>(i));
  while (!ready.empty()) {
    int t = ready.back();
    ready.pop_back();
    order.push_back(t);
    for (int k = dependents.start[size_t(t)]; k < dependents.start[size_t(t) + 1]; ++k)
      if (--indegree[size_t(dependents.of[size_t(k)])] == 0) ready.push_back(dependents.of[size_t(k)]);
  }
  return order;
}

// A numbered id of up to 4 parts below 65535 as one integer that sorts as
// TaskId does ("1" < "1.1" < "1.2" < "1.10" < "2"); nullopt for any other id.
std::optional<uint64_t> packed_id(std::string_view id) {
  uint64_t packed = 0, part = 0;
  int parts = 0;
  bool in_part = false;
  for (char c : id) {
    if (c >= '0' && c <= '9') {
      part = part * 10 + uint64_t(c - '0');
      if (part >= 0xFFFF) return std::nullopt;
      in_part = true;
    } else if (c == '.' && in_part && parts < 3) {
      packed |= (part + 1) << (48 - 16 * parts++);
      part = 0;
      in_part = false;
    } else {
      return std::nullopt;
    }
  }
  if (!in_part) return std::nullopt;
  return packed | (part + 1) << (48 - 16 * parts);
}

// Each task's place in task_id_less order (equal ids share one), so that the
// ready queue compares two integers instead of parsing two ids.
std::vector<int> id_ranks(const std::vector<SimTask>& tasks) {
  std::vector<int> by_id(tasks.size());
  for (size_t i = 0; i < tasks.size(); ++i) by_id[i] = static_cast<int>(i);
  std::vector<uint64_t> packed(tasks.size());
  bool all_packed = true;
  for (size_t i = 0; i < tasks.size() && all_packed; ++i) {
    auto p = packed_id(tasks[i].id);
    all_packed = p.has_value();
    packed[i] = p.value_or(0);
  }
  std::vector<std::optional<TaskId>> keys;
  if (!all_packed) {  // named ids, deep or huge numbers: TaskId, each parsed once
    keys.resize(tasks.size());
    for (size_t i = 0; i < tasks.size(); ++i) keys[i] = TaskId::parse(tasks[i].id);
  }
  // task_id_less: equal ids ("01" and "1") by their text.
  auto less = [&](int a, int b) {
    const std::string &sa = tasks[size_t(a)].id, &sb = tasks[size_t(b)].id;
    if (all_packed) return packed[size_t(a)] != packed[size_t(b)] ? packed[size_t(a)] < packed[size_t(b)] : sa < sb;
    const auto &ka = keys[size_t(a)], &kb = keys[size_t(b)];
    if (ka && kb) return *ka != *kb ? *ka < *kb : sa < sb;
    if (ka.has_value() != kb.has_value()) return ka.has_value();
    return sa < sb;
  };
  // Plans list their tasks in id order nearly always: one check instead of a sort
  // (measured: the sort was 9% of analyze's instructions at 100,000 tasks).
  if (!std::is_sorted(by_id.begin(), by_id.end(), less)) std::sort(by_id.begin(), by_id.end(), less);
  std::vector<int> rank(tasks.size(), 0);
  for (size_t k = 1; k < by_id.size(); ++k) {
    rank[size_t(by_id[k])] = rank[size_t(by_id[k - 1])] + (less(by_id[k - 1], by_id[k]) ? 1 : 0);
  }
  return rank;
}

// A ready task as the queue holds it: higher priority first, then the smaller
// id (pick_ready_task's rule).
struct Ready {
  double priority;
  int rank;
  int task;
  bool operator<(const Ready& o) const {  // true: this one comes after o
    if (priority != o.priority) return priority < o.priority;
    return rank > o.rank;
  }
};

// A set of small integers with "take the smallest" in a few instructions: a
// bit per integer and a summary bit per 64-bit word, three levels deep.
class BitQueue {
 public:
  explicit BitQueue(size_t size)
      : l0_((size + 63) / 64, 0), l1_((l0_.size() + 63) / 64, 0), l2_((l1_.size() + 63) / 64, 0) {}
  bool empty() const { return count_ == 0; }
  void insert(int key) {
    const auto k = size_t(key);
    l0_[k >> 6] |= uint64_t(1) << (k & 63);
    l1_[k >> 12] |= uint64_t(1) << ((k >> 6) & 63);
    l2_[k >> 18] |= uint64_t(1) << ((k >> 12) & 63);
    ++count_;
  }
  int take_smallest() {  // not on an empty queue
    size_t w2 = 0;
    while (l2_[w2] == 0) ++w2;
    const size_t w1 = w2 * 64 + size_t(std::countr_zero(l2_[w2]));
    const size_t w0 = w1 * 64 + size_t(std::countr_zero(l1_[w1]));
    const size_t k = w0 * 64 + size_t(std::countr_zero(l0_[w0]));
    l0_[w0] &= l0_[w0] - 1;
    if (l0_[w0] == 0) {
      l1_[w1] &= ~(uint64_t(1) << (w0 & 63));
      if (l1_[w1] == 0) l2_[w2] &= ~(uint64_t(1) << (w1 & 63));
    }
    --count_;
    return static_cast<int>(k);
  }

 private:
  std::vector<uint64_t> l0_, l1_, l2_;
  size_t count_ = 0;
};

// The ready tasks: the one to start next is the highest priority, then the
// smallest id. When that order is strict (no two tasks tie: no repeated id
// with the same priority) each task's place in it is computed once and the
// queue is a BitQueue of places; else a heap of Ready records, whose choice
// among ties is the one the scheduler's own heap makes.
class ReadyQueue {
 public:
  ReadyQueue(const std::vector<SimTask>& tasks, const std::vector<int>& rank, const std::vector<int>* order,
             const std::vector<int>* place)
      : tasks_(tasks), rank_(rank), order_(order), place_(place), bits_(order ? tasks.size() : 0) {}
  bool empty() const { return order_ ? bits_.empty() : heap_.empty(); }
  void push(int t) {
    if (order_) {
      bits_.insert((*place_)[size_t(t)]);
      return;
    }
    heap_.push_back({tasks_[size_t(t)].priority, rank_[size_t(t)], t});
    std::push_heap(heap_.begin(), heap_.end());
  }
  int pop() {
    if (order_) return (*order_)[size_t(bits_.take_smallest())];
    std::pop_heap(heap_.begin(), heap_.end());
    int t = heap_.back().task;
    heap_.pop_back();
    return t;
  }

 private:
  const std::vector<SimTask>& tasks_;
  const std::vector<int>& rank_;
  const std::vector<int>* order_;  // tasks in start order, when strict
  const std::vector<int>* place_;  // each task's place in order_
  BitQueue bits_;
  std::vector<Ready> heap_;
};

// List scheduling over one task list, for as many worker counts as asked:
// dependents and id ranks are computed once. Each run is O((n + e) log n).
class Simulator {
 public:
  explicit Simulator(const std::vector<SimTask>& tasks)
      : tasks_(tasks), dependents_(dependents_of(tasks)), rank_(id_ranks(tasks)) {
    // The start order once, by the ready queue's own rule; strict when no neighbours tie.
    // Sorted as records side by side, not as indexes into the tasks: no
    // scattered reads per comparison (measured: half the time of the sort).
    std::vector<Ready> records(tasks.size());
    for (size_t i = 0; i < tasks.size(); ++i) records[i] = Ready{tasks[i].priority, rank_[i], static_cast<int>(i)};
    auto first = [](const Ready& a, const Ready& b) { return b < a; };  // a starts before b
    strict_ = std::none_of(tasks.begin(), tasks.end(), [](const SimTask& t) { return std::isnan(t.priority); });
    // Already in that order nearly always when the file orders its tasks (a
    // task's remaining path is longer than its successors'): one check first
    // (measured at 100,000 tasks: the sort was 5% of analyze's instructions).
    if (strict_ && !std::is_sorted(records.begin(), records.end(), first)) std::sort(records.begin(), records.end(), first);
    for (size_t k = 1; k < records.size() && strict_; ++k) strict_ = first(records[k - 1], records[k]);
    order_.resize(tasks.size());
    for (size_t k = 0; k < records.size(); ++k) order_[k] = records[k].task;
    place_.assign(tasks.size(), 0);
    for (size_t k = 0; k < order_.size(); ++k) place_[size_t(order_[k])] = static_cast<int>(k);
    uniform_ = !tasks.empty() && tasks[0].weight > 0 && std::all_of(tasks.begin(), tasks.end(), [&](const SimTask& t) {
                 return t.weight == tasks[0].weight && !t.started;
               });
  }

  SimulatedSchedule run(int workers, bool keep_times) const {
    workers = std::max(workers, 1);
    const size_t n = tasks_.size();
    SimulatedSchedule s;
    if (keep_times) {
      s.start.assign(n, -1);
      s.finish.assign(n, -1);
    }
    std::vector<int> waiting(n, 0);
    ReadyQueue ready(tasks_, rank_, strict_ ? &order_ : nullptr, strict_ ? &place_ : nullptr);
    using Finish = std::pair<double, int>;  // time, task
    std::vector<Finish> running;  // a min-heap on time
    auto later = std::greater<Finish>();
    auto make_ready = [&](int t) { ready.push(t); };
    auto start = [&](int t, double at, double finish) {
      if (keep_times) s.start[size_t(t)] = at;
      running.push_back({finish, t});
      std::push_heap(running.begin(), running.end(), later);
    };
    for (size_t i = 0; i < n; ++i) {
      s.work += tasks_[i].weight;
      waiting[i] = static_cast<int>(tasks_[i].deps.size());
      if (tasks_[i].started) start(static_cast<int>(i), 0, tasks_[i].weight);
      else if (waiting[i] == 0) make_ready(static_cast<int>(i));
    }
    double now = 0;
    if (uniform_) {
      // Every task of one weight, none started: the tasks started together
      // finish together, so the schedule goes in rounds of up to `workers`
      // tasks and needs no heap of finish times (measured at 100,000 tasks
      // with eight simulations: the prediction 28-34 -> 23 ms).
      const double weight = tasks_[0].weight;
      std::vector<int> round;
      round.reserve(size_t(workers));
      while (!ready.empty()) {
        round.clear();
        while (static_cast<int>(round.size()) < workers && !ready.empty()) round.push_back(ready.pop());
        if (keep_times) {
          for (int t : round) s.start[size_t(t)] = now;
        }
        now += weight;
        s.makespan = now;
        // Released in task order, as the heap of finish times would, when
        // ties make the order of pushes matter (strict: a set, no ties).
        if (!strict_) std::sort(round.begin(), round.end());
        for (int t : round) {
          if (keep_times) s.finish[size_t(t)] = now;
          for (int k = dependents_.start[size_t(t)]; k < dependents_.start[size_t(t) + 1]; ++k) {
            int d = dependents_.of[size_t(k)];
            if (--waiting[size_t(d)] == 0) make_ready(d);
          }
        }
      }
      return s;
    }
    while (true) {
      while (static_cast<int>(running.size()) < workers && !ready.empty()) {
        int t = ready.pop();
        start(t, now, now + std::max(tasks_[size_t(t)].weight, 0.0));
      }
      if (running.empty()) break;
      now = running.front().first;
      while (!running.empty() && running.front().first <= now) {  // everything finishing at `now`
        std::pop_heap(running.begin(), running.end(), later);
        int t = running.back().second;
        running.pop_back();
        if (keep_times) s.finish[size_t(t)] = now;
        s.makespan = std::max(s.makespan, now);
        for (int k = dependents_.start[size_t(t)]; k < dependents_.start[size_t(t) + 1]; ++k) {
          int d = dependents_.of[size_t(k)];
          if (--waiting[size_t(d)] == 0 && !tasks_[size_t(d)].started) make_ready(d);
        }
      }
    }
    return s;
  }

  // With unlimited workers: the most tasks running at once, and the
  // makespan. Then every task starts when its last dependency finishes: one
  // pass in topological order gives the same start and finish times as
  // run(tasks.size()), without a queue.
  struct Unlimited {
    int width = 1;
    double makespan = 0;
    bool all_run = false;  // every task runs (none waits on one that never does)
  };
  bool uniform() const { return uniform_; }
  Unlimited unlimited() const {
    const size_t n = tasks_.size();
    std::vector<double> start(n, -1), finish(n, -1);
    std::vector<int> waiting(n, 0);
    std::vector<int> order;
    order.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      waiting[i] = static_cast<int>(tasks_[i].deps.size());
      if (tasks_[i].started) {
        start[i] = 0;
        finish[i] = tasks_[i].weight;
        order.push_back(static_cast<int>(i));
      } else if (waiting[i] == 0) {
        start[i] = 0;
        finish[i] = std::max(tasks_[i].weight, 0.0);
        order.push_back(static_cast<int>(i));
      }
    }
    std::vector<double> ready_at(n, 0);  // the latest finish among the dependencies seen
    // Every task of the same positive weight, none started (no history: what
    // analyze sees most): a task runs in the slot after its latest dependency,
    // slots never overlap, so the width is the fullest slot. No sort of 2n
    // events (measured: that sort was 6% of analyze's instructions at 100,000 tasks).
    std::vector<int> slot(uniform_ ? n : 0, 0);
    for (size_t k = 0; k < order.size(); ++k) {
      int t = order[k];
      for (int j = dependents_.start[size_t(t)]; j < dependents_.start[size_t(t) + 1]; ++j) {
        int d = dependents_.of[size_t(j)];
        ready_at[size_t(d)] = std::max(ready_at[size_t(d)], finish[size_t(t)]);
        if (uniform_) slot[size_t(d)] = std::max(slot[size_t(d)], slot[size_t(t)] + 1);
        if (--waiting[size_t(d)] == 0 && !tasks_[size_t(d)].started) {
          start[size_t(d)] = ready_at[size_t(d)];
          finish[size_t(d)] = start[size_t(d)] + std::max(tasks_[size_t(d)].weight, 0.0);
          order.push_back(d);
        }
      }
    }
    Unlimited u;
    u.all_run = order.size() == n;
    for (int t : order) u.makespan = std::max(u.makespan, finish[size_t(t)]);
    if (uniform_) {
      std::vector<int> in_slot(n, 0);
      for (int t : order) u.width = std::max(u.width, ++in_slot[size_t(slot[size_t(t)])]);
      return u;
    }
    std::vector<std::pair<double, int>> events;
    events.reserve(2 * order.size());
    for (size_t i = 0; i < n; ++i) {
      if (start[i] < 0) continue;
      events.push_back({start[i], +1});
      events.push_back({finish[i], -1});
    }
    std::sort(events.begin(), events.end());  // a finish (-1) sorts before a start at the same time
    int at = 0;
    for (const auto& e : events) u.width = std::max(u.width, at += e.second);
    return u;
  }

 private:
  const std::vector<SimTask>& tasks_;
  Dependents dependents_;
  std::vector<int> rank_;
  std::vector<int> order_, place_;  // the start order and each task's place in it
  bool strict_ = false;             // no two tasks tie in that order
  bool uniform_ = false;            // every task of one positive weight, none started
};

}  // namespace

void assign_path_priorities(std::vector<SimTask>& tasks) {
  auto dependents = dependents_of(tasks);
  auto order = topological_order(tasks, dependents);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    SimTask& t = tasks[size_t(*it)];
    double after = 0;
    for (int k = dependents.start[size_t(*it)]; k < dependents.start[size_t(*it) + 1]; ++k)
      after = std::max(after, tasks[size_t(dependents.of[size_t(k)])].priority);
    t.priority = t.weight + after;
  }
}

SimulatedSchedule simulate_schedule(const std::vector<SimTask>& tasks, int workers) {
  return Simulator(tasks).run(workers, true);
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
  // A dependency is a runnable leaf's SimTask: found by task index, or by id
  // (the last task of that id) when the file repeats an id.
  std::vector<int> sim_of_task(file.tasks.size(), -1);
  std::unordered_map<std::string_view, int> sim_of_id;
  const bool by_id = !file.duplicates.empty();
  std::vector<double> known;
  // The plan is weighted when a runnable leaf has an estimate (or a recorded
  // duration): without one, no Task is read for its estimate (measured at
  // 100,000 tasks: those scattered reads beside the JSON's made the
  // prediction ~4 ms longer).
  const bool may_have_estimates = plan.weighted || !plan.cycle.empty();
  w.tasks.reserve(plan.leaves.size());
  for (const auto& p : plan.leaves) {
    if (!p.runnable()) continue;
    sim_of_task[size_t(p.index)] = static_cast<int>(w.tasks.size());
    if (by_id) sim_of_id[p.id] = static_cast<int>(w.tasks.size());
    SimTask& t = w.tasks.emplace_back();
    t.id = p.id;
    t.priority = p.priority;
    t.weight = -1;
    auto m = medians.empty() ? medians.end() : medians.find(std::string(p.id));
    if (m != medians.end() && m->second > 0) {
      t.weight = m->second;
      ++w.from_history;
    } else if (auto e = may_have_estimates ? file.tasks[size_t(p.index)].estimate_seconds : std::nullopt; e && *e > 0) {
      t.weight = *e;
      ++w.from_estimate;
    }
    if (t.weight > 0) known.push_back(t.weight);
  }
  if (!known.empty()) w.default_seconds = median_of(std::move(known));
  size_t k = 0;
  for (const auto& p : plan.leaves) {
    if (!p.runnable()) continue;
    SimTask& t = w.tasks[k++];
    t.deps.reserve(p.deps.size());  // one allocation, not one per doubling
    for (size_t d = 0; d < p.deps.size(); ++d) {
      int sim = -1;
      if (by_id) {
        if (auto it = sim_of_id.find(p.deps[d]); it != sim_of_id.end()) sim = it->second;
      } else {
        sim = sim_of_task[size_t(p.dep_indexes[d])];
      }
      if (sim >= 0) t.deps.push_back(sim);
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
  Simulator simulator(tasks);
  const auto unlimited = simulator.unlimited();
  const int width = unlimited.width;  // the most tasks ever running at once with unlimited workers
  int top = std::min(std::max(p.workers, width), 64);
  double work = 0;
  for (const auto& t : tasks) work += t.weight;
  // Every count for a plan of usual size; for a huge one (each simulation
  // walks every task and dependency: 4 ms for 60,000 tasks here, 2026-12-01)
  // powers of two, so analyze stays fast; the knee is then the best of those.
  size_t edges = 0;
  for (const auto& t : tasks) edges += t.deps.size();
  const bool every_count = tasks.size() + edges <= kEveryCountLimit;
  auto simulated = [&](int n) {
    if (n == p.workers) return true;
    if (n > top) return false;
    if (every_count) return true;
    for (int c : {1, 2, 4, 8, 16, 32, 64}) {
      if (c == n) return true;
    }
    return n == top;
  };
  for (int n = 1; n <= std::max(top, p.workers); ++n) {
    if (!simulated(n)) continue;
    // As many workers as ever run at once: no task waits for a worker, so
    // the schedule is the unlimited one (measured at 100,000 tasks: two of
    // the three simulations, ~8 ms beside the JSON).
    // One worker with tasks of one weight is never idle while any is left:
    // the makespan is the work, summed in the same order as a simulation would.
    const double makespan = n >= width                                          ? unlimited.makespan
                            : n == 1 && simulator.uniform() && unlimited.all_run ? work
                                                                                 : simulator.run(n, false).makespan;
    WorkersMakespan m{n, makespan, makespan > 0 ? work / makespan : 0};
    p.by_workers.push_back(m);
    p.work_s = work;
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
  return median_of(std::move(known));
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
