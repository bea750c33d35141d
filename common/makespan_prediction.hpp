// How long a plan will take with N workers: the scheduler's own rule (a free
// worker takes the ready task with the longest remaining path, ties by id)
// simulated over task weights, for `analyze` and for the ETA in `watch`.
// Pure, so unit tests check it against schedules worked out by hand.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/planner.hpp"
#include "common/run_state.hpp"

namespace kp {

struct SimTask {
  std::string id;
  std::vector<int> deps;  // indexes of tasks that must finish first (earlier or later in the list)
  double weight = 1;      // seconds it is expected to take (what is left of it, for a running task)
  double priority = 0;    // the scheduler's priority: longest remaining path, itself included
  bool started = false;   // already running: it holds a worker from time 0
};

// Sets every task's priority to its longest weighted path to the end.
void assign_path_priorities(std::vector<SimTask>& tasks);

struct SimulatedSchedule {
  double makespan = 0;
  double work = 0;              // sum of the weights
  std::vector<double> start;    // per task
  std::vector<double> finish;   // per task
};

// List scheduling with `workers` workers (at least 1). Started tasks run from
// 0 first. A dependency cycle or a dependency outside the list is not expected
// (the planner refuses cycles); tasks that can never start are left at -1.
SimulatedSchedule simulate_schedule(const std::vector<SimTask>& tasks, int workers);

enum class WeightBasis { history, estimate, count };
std::string_view to_string(WeightBasis basis);

// The runnable leaves of a plan as SimTasks, weighted by the recorded median
// (history), else the task's **Estimated Duration:** (estimate), else the
// median of the weights known (or kDefaultTaskSeconds when none is). `basis`
// is the weakest source any task needed. Priorities are the plan's.
constexpr double kDefaultTaskSeconds = 600;
struct WeightedPlan {
  std::vector<SimTask> tasks;
  WeightBasis basis = WeightBasis::count;
  int from_history = 0, from_estimate = 0, from_default = 0;
  double default_seconds = kDefaultTaskSeconds;
};
WeightedPlan weigh_plan(const Plan& plan, const TaskFile& file, const std::map<std::string, double>& medians);

struct WorkersMakespan {
  int workers = 0;
  double makespan_s = 0;
  double speedup = 0;  // work / makespan
};

struct Prediction {
  int workers = 0;
  double makespan_s = 0;
  double speedup = 0;
  double work_s = 0;
  std::vector<WorkersMakespan> by_workers;  // 1, 2, 3, ... up to the plan's width (and `workers`)
  int knee = 1;  // the fewest workers whose makespan is within 5% of the best
};

// Simulates `workers` and every count from 1 to max(workers, the most tasks
// that can ever run at once), capped at 64; above kEveryCountLimit tasks plus
// dependencies, only 1, 2, 4, 8, 16, 32, 64 of those and
// `workers`.
constexpr size_t kEveryCountLimit = 20000;
Prediction predict_makespan(const std::vector<SimTask>& tasks, int workers);

// The fewest workers whose makespan is within `tolerance` (0.05: 5%) of the
// smallest in the list.
int knee_workers(const std::vector<WorkersMakespan>& by_workers, double tolerance = 0.05);

// What is left of a run as SimTasks: running tasks (started, with what their
// weight has left after their elapsed time) and pending ones; failed, stopped,
// blocked and conflicting tasks and what waits on them are out. Weights are
// the recorded medians, else the median of the medians of the run's tasks,
// else kDefaultTaskSeconds.
std::vector<SimTask> remaining_work(const RunState& state, const std::map<std::string, double>& medians, double now);

// The simulated time until the run's last task is done with its configured
// workers; none when nothing is left that can run.
std::optional<double> run_eta_seconds(const RunState& state, const std::map<std::string, double>& medians, double now);

}  // namespace kp
