#include <fmt/format.h>

#include "common/error.hpp"
#include "common/git_merge.hpp"
#include "common/run_state.hpp"
#include "common/scheduler.hpp"
#include "common/settings.hpp"
#include "common/task_lifecycle.hpp"
#include "master/cli_args.hpp"
#include "master/command.hpp"
#include "master/master_launch.hpp"

namespace kp {

namespace {

int handler(const ParsedArgs& parsed);

}  // namespace

const Command kCmdRetry = {
    .name = "retry",
    .summary = "merge a conflicted task again after it was resolved by hand, or rerun a failed one",
    .positionals = {{"<spec>", PositionalKind::spec}, {"<task>", PositionalKind::task}},
    .options = {{{"--no-start"}, "", "do not start a master"}},
    .help = "conflict: merges the task branch into the target branch again (after you\n"
            "          resolved it in the task's worktree); on success the task completes\n"
            "          and its dependents can run.\n"
            "failed, stopped, blocked: back to pending; its worktree and work are reused.\n"
            "Then, when work is left and no master runs, a master is started.\n",
    .handler = handler,
};

namespace {

int handler(const ParsedArgs& parsed) {
  SpecPaths paths = SpecPaths::resolve(repo_dir_arg(parsed), parsed.positionals[0]);
  const std::string& id = parsed.positionals[1];
  auto state = read_run_state(paths.state_json);
  if (!state) throw UsageError(fmt::format("retry: no run state for spec {}", paths.spec));
  const TaskState* task = state->find(id);
  if (!task) throw UsageError(fmt::format("retry: spec {} has no task {}", paths.spec, id));
  int code = 0;
  if (task->status == TaskStatus::conflict) {
    std::string tmpl = state->config.merge_message.empty() ? Settings{}.merge_message : state->config.merge_message;
    auto merge = git::merge_into_target(paths.repo_root, task->branch, state->config.target_branch,
                                        render_template(tmpl, paths.spec, task->id, task->title));
    if (merge.outcome == git::MergeOutcome::conflict || merge.outcome == git::MergeOutcome::held) {
      std::string files;
      for (const auto& p : merge.conflict_paths) files += " " + p;
      for (const auto& p : merge.held_paths) files += " " + p;
      fmt::print(stderr, "retry: task {} still cannot merge ({}):{}\n{}\n", id, git::merge_outcome_name(merge.outcome),
                 files, merge.message);
      return kExitFailure;
    }
    double now = now_epoch();
    update_run_state(paths, [&](RunState& s) {
      if (!s.find(id)) return;
      complete_once(s, id, paths.completed_json, now, "merged by retry");
      unblock_resolved(s);
    });
    fmt::print("task {} merged into {} ({})\n", id, state->config.target_branch, git::merge_outcome_name(merge.outcome));
  } else if (task->status == TaskStatus::failed || task->status == TaskStatus::stopped ||
             task->status == TaskStatus::blocked) {
    update_run_state(paths, [&](RunState& s) {
      if (s.find(id)) reset_for_retry(s, id);
    });
    auto now_state = read_run_state(paths.state_json);
    const TaskState* t = now_state ? now_state->find(id) : nullptr;
    fmt::print("task {} is {} again\n", id, t ? to_string(t->status) : "pending");
  } else {
    fmt::print("task {} is {}; nothing to retry\n", id, to_string(task->status));
    return 0;
  }
  auto after = read_run_state(paths.state_json);
  if (!parsed.has("--no-start") && after && work_remaining(*after) && !master_alive(paths)) {
    start_master(paths);
    fmt::print("started the master (pid {})\n", read_pid_file(paths.master_pid));
  }
  return code;
}

}  // namespace

}  // namespace kp
