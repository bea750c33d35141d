// The makespan prediction against schedules worked out by hand on small
// graphs: critical path first, ties by id, running tasks first, the knee.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/makespan_prediction.hpp"
#include "common/planner.hpp"
#include "common/tasks_md.hpp"

using namespace kp;

namespace {

SimTask sim(const std::string& id, double weight, std::vector<int> deps = {}) {
  SimTask t;
  t.id = id;
  t.weight = weight;
  t.deps = std::move(deps);
  return t;
}

// a(3) -> d(1); b(2) and c(2) on their own.
std::vector<SimTask> small_fork() {
  std::vector<SimTask> t{sim("a", 3), sim("b", 2), sim("c", 2), sim("d", 1, {0})};
  assign_path_priorities(t);
  return t;
}

// A reproducible random source for generated graphs: next(bound) in [0, bound).
struct Lcg {
  unsigned seed;
  unsigned operator()(unsigned bound) {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 16) % bound;
  }
};

// Tasks "1".."n", each after an earlier task with `percent` % chance, then weighed by weight().
template <class Weight>
std::vector<SimTask> random_graph(Lcg& next, int n, unsigned percent, Weight weight) {
  std::vector<SimTask> t;
  for (int i = 0; i < n; ++i) {
    std::vector<int> deps;
    for (int d = 0; d < i; ++d)
      if (next(100) < percent) deps.push_back(d);
    t.push_back(sim(std::to_string(i + 1), weight(), deps));
  }
  return t;
}

}  // namespace

TEST_CASE("prediction: priorities are the longest remaining path") {
  auto t = small_fork();
  CHECK(t[0].priority == 4);
  CHECK(t[1].priority == 2);
  CHECK(t[3].priority == 1);
}

TEST_CASE("prediction: one, two and three workers on a small fork") {
  auto t = small_fork();
  CHECK(simulate_schedule(t, 1).makespan == 8);
  SimulatedSchedule two = simulate_schedule(t, 2);
  // 0: a and b (b before c by id); 2: c; 3: d; all done at 4.
  CHECK(two.makespan == 4);
  CHECK(two.start == std::vector<double>{0, 0, 2, 3});
  CHECK(two.finish == std::vector<double>{3, 2, 4, 4});
  CHECK(simulate_schedule(t, 3).makespan == 4);
  CHECK(simulate_schedule(t, 2).work == 8);
}

TEST_CASE("prediction: the longest path goes first, not the first id") {
  // "3" leads to "4" (3 s): with 2 workers it starts at once, with "1".
  std::vector<SimTask> t{sim("1", 1), sim("2", 1), sim("3", 1), sim("4", 3, {2})};
  assign_path_priorities(t);
  SimulatedSchedule s = simulate_schedule(t, 2);
  CHECK(s.start == std::vector<double>{0, 1, 0, 1});
  CHECK(s.makespan == 4);
}

TEST_CASE("prediction: a running task holds a worker from the start") {
  std::vector<SimTask> t{sim("a", 2), sim("b", 3, {0}), sim("c", 1)};
  t[0].started = true;
  assign_path_priorities(t);
  SimulatedSchedule s = simulate_schedule(t, 1);
  CHECK(s.start == std::vector<double>{0, 2, 5});  // b's path (3) before c (1)
  CHECK(s.makespan == 6);
}

TEST_CASE("prediction: by workers, speedup and the knee") {
  Prediction p = predict_makespan(small_fork(), 3);
  REQUIRE(p.by_workers.size() == 3);  // the fork never runs more than 3 at once
  CHECK(p.by_workers[0].makespan_s == 8);
  CHECK(p.by_workers[1].makespan_s == 4);
  CHECK(p.by_workers[2].makespan_s == 4);
  CHECK(p.makespan_s == 4);
  CHECK(p.speedup == 2);
  CHECK(p.work_s == 8);
  CHECK(p.knee == 2);
  // A chain never gains from a second worker.
  std::vector<SimTask> chain{sim("a", 5), sim("b", 5, {0})};
  assign_path_priorities(chain);
  Prediction c = predict_makespan(chain, 4);
  CHECK(c.knee == 1);
  CHECK(c.makespan_s == 10);
  CHECK(c.by_workers.back().workers == 4);  // the configured count is always shown
}

TEST_CASE("prediction: the knee is the fewest workers within 5% of the best") {
  std::vector<WorkersMakespan> m{{1, 100, 1}, {2, 60, 0}, {3, 52, 0}, {4, 50, 0}, {5, 50, 0}};
  CHECK(knee_workers(m) == 3);
  CHECK(knee_workers(m, 0) == 4);
  CHECK(knee_workers({}) == 1);
}

TEST_CASE("prediction: weights from history, then estimates, then the median of the known") {
  TaskFile file = parse_tasks_md("# Tasks\n\n"
                                 "- [ ] 1. One\n"
                                 "- [ ] 2. Two\n"
                                 "  - **Estimated Duration:** 30 min\n"
                                 "- [ ] 3. Three\n",
                                 "tasks.md");
  std::map<std::string, double> medians{{"1", 100}};
  Plan plan = make_plan(file, {});
  WeightedPlan w = weigh_plan(plan, file, medians);
  REQUIRE(w.tasks.size() == 3);
  CHECK(w.tasks[0].weight == 100);
  CHECK(w.tasks[1].weight == 1800);
  CHECK(w.tasks[2].weight == 950);  // median of 100 and 1800
  CHECK(w.basis == WeightBasis::count);
  CHECK(w.from_history == 1);
  CHECK(w.from_estimate == 1);
  CHECK(w.from_default == 1);
  medians["3"] = 50;
  medians["2"] = 60;
  CHECK(weigh_plan(plan, file, medians).basis == WeightBasis::history);
  WeightedPlan none = weigh_plan(plan, file, {});
  CHECK(none.tasks[0].weight == 1800);
  CHECK(none.tasks[2].weight == 1800);
  TaskFile bare = parse_tasks_md("# Tasks\n\n- [ ] 1. One\n", "tasks.md");
  WeightedPlan b = weigh_plan(make_plan(bare, {}), bare, {});
  CHECK(b.tasks[0].weight == kDefaultTaskSeconds);
}

namespace {

TaskState state_task(const std::string& id, TaskStatus status, std::vector<std::string> deps = {}) {
  TaskState t;
  t.id = id;
  t.status = status;
  t.deps = std::move(deps);
  return t;
}

}  // namespace

TEST_CASE("ETA: what is left, with running tasks' elapsed time taken off") {
  constexpr double now = 1'800'000'000;
  RunState s;
  s.config.max_parallel = 2;
  s.tasks.push_back(state_task("1", TaskStatus::completed));
  s.tasks.push_back(state_task("2", TaskStatus::running, {"1"}));
  s.tasks.back().started_epoch = now - 30;
  s.tasks.back().priority = 2;
  s.tasks.push_back(state_task("3", TaskStatus::pending, {"2"}));
  s.tasks.back().priority = 1;
  s.tasks.push_back(state_task("4", TaskStatus::pending));
  s.tasks.back().priority = 1;
  std::map<std::string, double> medians{{"1", 10}, {"2", 100}, {"3", 40}, {"4", 50}};
  // 2 has 70 s left; 4 runs beside it (0-50); 3 after 2 (70-110).
  auto eta = run_eta_seconds(s, medians, now);
  REQUIRE(eta.has_value());
  CHECK(*eta == doctest::Approx(110));
  s.config.max_parallel = 1;  // 2 holds the only worker: 70, then 3 (priority ties: by id) 110, then 4 160
  CHECK(*run_eta_seconds(s, medians, now) == doctest::Approx(160));
}

TEST_CASE("ETA: unknown tasks weigh the median of the known; dead ends are out") {
  RunState s;
  s.config.max_parallel = 4;
  s.tasks.push_back(state_task("1", TaskStatus::pending));
  s.tasks.push_back(state_task("2", TaskStatus::pending));
  s.tasks.push_back(state_task("3", TaskStatus::failed));
  s.tasks.push_back(state_task("4", TaskStatus::pending, {"3"}));  // can never run
  std::map<std::string, double> medians{{"1", 20}, {"3", 40}};
  auto left = remaining_work(s, medians, 0);
  REQUIRE(left.size() == 3);
  CHECK(left[1].weight == 30);  // the median of 20 and 40
  CHECK(*run_eta_seconds(s, medians, 0) == doctest::Approx(30));
  s.tasks[0].status = TaskStatus::completed;
  s.tasks[1].status = TaskStatus::completed;
  CHECK_FALSE(run_eta_seconds(s, medians, 0).has_value());  // 4 waits on a failure: no time to promise
}

TEST_CASE("prediction: equal priorities go by id as task_id_less orders them") {
  // 1.9 before 1.10, numbered ids before named ones, "01" and "1" by their text.
  std::vector<SimTask> t{sim("BETA-1", 1), sim("1.10", 1), sim("ALPHA-2", 1), sim("1.9", 1), sim("1", 1), sim("01", 1)};
  assign_path_priorities(t);
  SimulatedSchedule s = simulate_schedule(t, 1);
  CHECK(s.start == std::vector<double>{5, 3, 4, 2, 1, 0});
  // Numbered ids only (the packed fast path): 2 before 2.1 before 2.1.1 before 10.
  std::vector<SimTask> n{sim("10", 1), sim("2.1.1", 1), sim("2", 1), sim("2.1", 1)};
  assign_path_priorities(n);
  CHECK(simulate_schedule(n, 1).start == std::vector<double>{3, 2, 0, 1});
}

TEST_CASE("prediction: the counts shown go up to the width an unlimited schedule reaches") {
  // A layered graph: widths found by simulating with as many workers as tasks.
  std::vector<SimTask> t;
  for (int layer = 0; layer < 6; ++layer) {
    for (int k = 0; k <= layer; ++k) {
      std::vector<int> deps;
      if (layer > 0) deps.push_back(static_cast<int>(t.size()) - layer - (k == layer ? 1 : 0));
      t.push_back(sim(std::to_string(layer + 1) + "." + std::to_string(k + 1), 1 + (k % 3), deps));
    }
  }
  assign_path_priorities(t);
  SimulatedSchedule all = simulate_schedule(t, static_cast<int>(t.size()));
  int width = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    int at = 0;  // tasks running at task i's start
    for (size_t j = 0; j < t.size(); ++j) at += all.start[j] <= all.start[i] && all.finish[j] > all.start[i];
    width = std::max(width, at);
  }
  REQUIRE(width > 2);
  Prediction p = predict_makespan(t, 1);
  CHECK(static_cast<int>(p.by_workers.size()) == width);
  CHECK(p.by_workers.back().makespan_s == all.makespan);
}

TEST_CASE("prediction: above kEveryCountLimit, powers of two and the configured count") {
  std::vector<SimTask> t;
  for (size_t i = 0; i <= kEveryCountLimit; ++i) t.push_back(sim(std::to_string(i + 1), 1));
  assign_path_priorities(t);
  Prediction p = predict_makespan(t, 3);
  std::vector<int> counts;
  for (const auto& m : p.by_workers) counts.push_back(m.workers);
  CHECK(counts == std::vector<int>{1, 2, 3, 4, 8, 16, 32, 64});
  CHECK(p.makespan_s == std::ceil(static_cast<double>(t.size()) / 3));
  CHECK(p.knee == 64);
}

TEST_CASE("prediction: thousands of ready tasks start by priority, and repeated ids still all run") {
  std::vector<SimTask> t;
  for (int i = 0; i < 5000; ++i) t.push_back(sim(std::to_string(i + 1), (i * 7919) % 5000 + 1));
  assign_path_priorities(t);
  SimulatedSchedule s = simulate_schedule(t, 1);
  std::vector<size_t> heaviest_first(t.size());
  for (size_t i = 0; i < t.size(); ++i) heaviest_first[i] = i;
  std::sort(heaviest_first.begin(), heaviest_first.end(), [&](size_t a, size_t b) { return t[a].weight > t[b].weight; });
  double at = 0;
  bool in_order = true;  // one CHECK, not 5,000
  for (size_t i : heaviest_first) {
    in_order = in_order && s.start[i] == at;
    at += t[i].weight;
  }
  CHECK(in_order);
  CHECK(s.makespan == at);
  // A repeated id at the same priority: a tie the queue breaks its own way, every task still runs once.
  std::vector<SimTask> dup{sim("a", 1), sim("a", 1), sim("b", 1)};
  assign_path_priorities(dup);
  SimulatedSchedule d = simulate_schedule(dup, 1);
  CHECK(d.makespan == 3);
  CHECK(d.start[2] == 2);
  CHECK(d.start[0] + d.start[1] == 1);
}

TEST_CASE("prediction: from the width up, each count's makespan is the simulated one (the unlimited schedule's)") {
  // Random graphs, uneven weights, a task already running: every count shown,
  // and the configured count above the width, against simulate_schedule.
  Lcg next{12345};
  for (int graph = 0; graph < 40; ++graph) {
    const int n = 5 + static_cast<int>(next(40));
    std::vector<SimTask> t = random_graph(next, n, 12, [&] { return 0.5 + next(20) / 3.0; });
    t[0].started = graph % 3 == 0;
    assign_path_priorities(t);
    const int workers = 1 + static_cast<int>(next(12));
    Prediction p = predict_makespan(t, workers);
    REQUIRE_FALSE(p.by_workers.empty());
    for (const auto& m : p.by_workers) {
      CAPTURE(graph);
      CAPTURE(m.workers);
      CHECK(m.makespan_s == simulate_schedule(t, m.workers).makespan);
    }
    CHECK(p.makespan_s == simulate_schedule(t, workers).makespan);
  }
}

TEST_CASE("prediction: tasks of one weight are scheduled in rounds, as event by event") {
  // The reference: list scheduling one event at a time, a free worker taking
  // the ready task of the longest remaining path, then of the lower id.
  Lcg next{777};
  for (int graph = 0; graph < 60; ++graph) {
    const int n = 3 + static_cast<int>(next(60));
    const double weight = 0.25 + next(12) / 4.0;
    std::vector<SimTask> t = random_graph(next, n, 10, [&] { return weight; });
    assign_path_priorities(t);
    for (int workers : {1, 2, 3, 5, 64}) {
      std::vector<double> start(size_t(n), -1), finish(size_t(n), -1);
      double now = 0;
      int done = 0;
      while (done < n) {
        int free = workers;
        for (int i = 0; i < n; ++i) free -= start[size_t(i)] >= 0 && finish[size_t(i)] > now;
        while (free > 0) {
          int best = -1;
          for (int i = 0; i < n; ++i) {
            bool ready = start[size_t(i)] < 0;
            for (int d : t[size_t(i)].deps) ready = ready && finish[size_t(d)] >= 0 && finish[size_t(d)] <= now;
            if (ready && (best < 0 || t[size_t(i)].priority > t[size_t(best)].priority)) best = i;
          }
          if (best < 0) break;
          start[size_t(best)] = now;
          finish[size_t(best)] = now + weight;
          --free;
        }
        double soonest = -1;
        for (int i = 0; i < n; ++i) {
          if (start[size_t(i)] >= 0 && finish[size_t(i)] > now && (soonest < 0 || finish[size_t(i)] < soonest)) soonest = finish[size_t(i)];
        }
        REQUIRE(soonest > now);
        now = soonest;
        done = 0;
        for (int i = 0; i < n; ++i) done += start[size_t(i)] >= 0 && finish[size_t(i)] <= now;
      }
      CAPTURE(graph);
      CAPTURE(workers);
      SimulatedSchedule s = simulate_schedule(t, workers);
      CHECK(s.start == start);
      CHECK(s.finish == finish);
      CHECK(s.makespan == now);
      CHECK(predict_makespan(t, workers).makespan_s == now);
    }
  }
}
