// `kiro-parallel merge <spec> [task]`: merges the tasks a `run --no-merge`
// left committed on their branches, through the worker's own merge path.
#include <fmt/format.h>

#include <atomic>

#include "common/error.hpp"
#include "common/run_state.hpp"
#include "common/scheduler.hpp"
#include "master/cli_args.hpp"
#include "master/command.hpp"
#include "master/master_launch.hpp"
#include "worker/task_finish.hpp"

namespace kp {

namespace {

int handler(const ParsedArgs& parsed);

}  // namespace

const Command kCmdMerge = {
    .name = "merge",
    .summary = "merge the tasks a run --no-merge left committed (or one) into the target branch",
    .positionals = {{"<spec>", PositionalKind::spec}, {"[task]", PositionalKind::task}},
    .options = {{{"--no-start"}, "", "do not start a master"}},
    .help = "Merges each committed task's branch into the run's target branch, in id\n"
            "order, as a worker would: completed (recorded once), or conflict (status\n"
            "shows how to resolve; then retry), or held by uncommitted changes in the\n"
            "main checkout (the task stays committed; run merge again).\n"
            "Then, when dependents can run and no master runs, a master is started.\n"
            "\nexit status: 0 when every task named merged; 1 when one was held, in\n"
            "conflict or failed; 2 when the spec has no run state, no such task or the\n"
            "task is not committed.\n",
    .handler = handler,
};

namespace {

// The committed tasks to merge: `only` or all of them. UsageError when `only`
// is not a committed task.
std::vector<TaskState> tasks_to_merge(const RunState& state, const std::string* only) {
  std::vector<TaskState> out;
  if (only) {
    const TaskState* t = state.find(*only);
    if (!t) throw UsageError(fmt::format("merge: spec {} has no task {}", state.spec, *only));
    if (t->status != TaskStatus::committed) {
      throw UsageError(fmt::format("merge: task {} is {}, not committed; nothing to merge", *only, to_string(t->status)));
    }
    out.push_back(*t);
    return out;
  }
  for (const auto& t : state.tasks) {
    if (t.status == TaskStatus::committed) out.push_back(t);
  }
  return out;
}

// Merges one task; prints what became of it. True when it completed.
bool merge_one(const SpecPaths& paths, const TaskState& task, const RunConfig& config) {
  const std::atomic<bool> stop{false};
  TaskEnd end = merge_task_branch(paths, task, config, *local_work_place(paths.repo_root), stop,
                                  /*wait_when_held=*/false);
  auto after = read_run_state(paths.state_json);
  const TaskState* t = after ? after->find(task.id) : nullptr;
  switch (end) {
    case TaskEnd::completed:
      fmt::print("task {} merged into {}\n", task.id, config.target_branch);
      return true;
    case TaskEnd::interrupted:
      fmt::print(stderr, "merge: task {}: the merge is held (see logs/master.log); it stays committed\n", task.id);
      return false;
    default:
      fmt::print(stderr, "merge: task {} is {}: {}\n", task.id, t ? to_string(t->status) : "?",
                 t ? t->message : std::string());
      return false;
  }
}

int handler(const ParsedArgs& parsed) {
  SpecPaths paths = SpecPaths::resolve(repo_dir_arg(parsed), parsed.positionals[0]);
  auto state = read_run_state(paths.state_json);
  if (!state) throw UsageError(fmt::format("merge: no run state for spec {}", paths.spec));
  const std::string* only = parsed.positionals.size() > 1 ? &parsed.positionals[1] : nullptr;
  std::vector<TaskState> tasks = tasks_to_merge(*state, only);
  if (tasks.empty()) {
    fmt::print("merge: no committed task in spec {}; nothing to merge\n", paths.spec);
    return kExitOk;
  }
  bool all = true;
  for (const auto& task : tasks) all = merge_one(paths, task, state->config) && all;
  auto after = read_run_state(paths.state_json);
  if (!parsed.has("--no-start") && after && work_remaining(*after) && !master_alive(paths)) {
    start_master(paths);
    fmt::print("started the master (pid {})\n", read_pid_file(paths.master_pid));
  }
  return all ? kExitOk : kExitFailure;
}

}  // namespace

}  // namespace kp
