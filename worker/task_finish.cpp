#include "worker/task_finish.hpp"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "common/agent_processes.hpp"
#include "common/atomic_file.hpp"
#include "common/git_merge.hpp"
#include "common/log.hpp"
#include "common/scheduler.hpp"
#include "common/settings.hpp"
#include "common/task_lifecycle.hpp"

namespace kp {

namespace fs = std::filesystem;

namespace {

void set_phase(const SpecPaths& paths, const std::string& id, Phase phase) {
  update_run_state(paths, [&](RunState& s) {
    if (s.find(id)) kp::set_phase(s, id, phase);
  });
}

std::string stamp_now() {
  std::string s = iso8601_utc(now_epoch());
  for (char& c : s) {
    if (c == ':') c = '-';
  }
  return s;
}

// The enclosing tasks whose every other leaf is completed: this task is their
// last, so its branch ticks them too.
std::vector<std::string> parents_now_complete(const SpecPaths& paths, const TaskState& task) {
  std::vector<std::string> out;
  auto state = read_run_state(paths.state_json);
  if (!state) return out;
  for (const auto& parent : task.parents) {
    bool all = true;
    for (const auto& t : state->tasks) {
      if (t.id == task.id) continue;
      bool under = std::find(t.parents.begin(), t.parents.end(), parent) != t.parents.end();
      if (under && t.status != TaskStatus::completed) all = false;
    }
    if (all) out.push_back(parent);
  }
  return out;
}

}  // namespace

void archive_task_log(const SpecPaths& paths, const std::string& task_id) {
  fs::path latest = paths.task_latest_log(task_id);
  if (auto text = read_file(latest)) {
    write_file_atomic(paths.logs_dir / fmt::format("task-{}_{}.log", task_id, stamp_now()), *text);
  }
}

std::string conflict_instructions(const SpecPaths& paths, const TaskState& task,
                                  const std::string& target_branch) {
  return fmt::format(
      "cd {}\n"
      "git merge {}          # resolve the conflicts, then: git add -A && git commit\n"
      "kiro-parallel -C {} retry {} {}",
      task.worktree, target_branch, paths.repo_root.string(), paths.spec, task.id);
}

namespace {

// Commits the task's worktree (ticking the enclosing tasks it completes).
// False when it cannot: the attempt has failed (retried within `retries`).
bool commit_task_work(const SpecPaths& paths, const TaskState& task, const RunConfig& config, const WorkPlace& work) {
  try {
    set_phase(paths, task.id, Phase::committing);
    const std::string tasks_rel = fs::relative(paths.tasks_md, paths.repo_root).string();
    // The task's own box is the agent's to tick (evidence, never forged);
    // an enclosing task whose last leaf this is gets its tick here.
    for (const auto& parent : parents_now_complete(paths, task)) {
      if (work.tick_parent(task.worktree, tasks_rel, parent)) log_info("task {}: ticked parent task {}", task.id, parent);
    }
    std::string commit_template = config.commit_message.empty() ? Settings{}.commit_message : config.commit_message;
    if (auto commit = work.commit_all(task.worktree, render_template(commit_template, paths.spec, task.id, task.title))) {
      log_info("task {}: committed {}", task.id, commit->substr(0, 12));
    }
    return true;
  } catch (const std::exception& e) {
    bool retry = false;
    update_run_state(paths, [&](RunState& s) {
      if (s.find(task.id)) retry = fail_attempt(s, task.id, fmt::format("cannot commit the task's work: {}", e.what()), true);
    });
    log_info("task {}: cannot commit{}: {}", task.id, retry ? " (will retry)" : "", e.what());
    return false;
  }
}

}  // namespace

TaskEnd merge_task_branch(const SpecPaths& paths, const TaskState& task, const RunConfig& config,
                          const WorkPlace& work, const std::atomic<bool>& stop, bool wait_when_held) {
  std::string merge_template = config.merge_message.empty() ? Settings{}.merge_message : config.merge_message;
  std::string merge_message = render_template(merge_template, paths.spec, task.id, task.title);
  std::string last_held;
  if (task.status == TaskStatus::running) set_phase(paths, task.id, Phase::merging);
  while (true) {
    git::MergeResult merge;
    try {
      merge = work.merge_into_target(task.branch, config.target_branch, merge_message);
    } catch (const std::exception& e) {
      // Not a held merge (those are returned, not thrown): a deleted branch,
      // a broken repository. Waiting would never end it.
      update_run_state(paths, [&](RunState& s) {
        if (s.find(task.id)) fail_merge(s, task.id, e.what());
      });
      log_info("task {}: cannot merge: {}", task.id, e.what());
      return TaskEnd::failed;
    }
    if (merge.outcome == git::MergeOutcome::held) {
      if (merge.message != last_held) log_info("task {}: merge held: {}", task.id, merge.message);
      if (!wait_when_held) return TaskEnd::interrupted;  // a committed task stays committed
      if (merge.message != last_held) {
        update_run_state(paths, [&](RunState& s) {
          if (s.find(task.id)) hold_merge(s, task.id, merge.message);
        });
      }
      last_held = merge.message;
      for (int i = 0; i < 20 && !stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (stop) return TaskEnd::interrupted;  // the phase says "merge held": a resume finishes it
      continue;
    }
    if (merge.outcome == git::MergeOutcome::conflict) {
      std::string paths_text;
      for (const auto& p : merge.conflict_paths) paths_text += (paths_text.empty() ? "" : ", ") + p;
      update_run_state(paths, [&](RunState& s) {
        if (const TaskState* t = s.find(task.id)) {
          mark_conflict(s, task.id, fmt::format("merge conflict in {}; resolve by hand:\n{}", paths_text,
                                                conflict_instructions(paths, *t, config.target_branch)));
        }
      });
      log_info("task {}: merge conflict in {}; branch {} and worktree {} kept", task.id, paths_text,
               task.branch, task.worktree);
      return TaskEnd::conflict;
    }
    double ended = now_epoch();
    update_run_state(paths, [&](RunState& s) {
      if (!s.find(task.id)) return;
      complete_once(s, task.id, paths.completed_json, ended,
                    merge.checkbox_union ? "tasks.md checkbox conflict resolved automatically" : "");
    });
    log_info("task {}: merged into {} ({}, {})", task.id, config.target_branch,
             git::merge_outcome_name(merge.outcome), merge.target_commit.substr(0, 12));
    return TaskEnd::completed;
  }
}

TaskEnd finish_task(const SpecPaths& paths, const TaskState& task, const RunConfig& config,
                    const Placement& place, const std::atomic<bool>& stop) {
  const bool committed = commit_task_work(paths, task, config, place.work);
  // The agent's turn is over either way: a retry starts a fresh session.
  archive_task_log(paths, task.id);
  place.sessions.end_session(task.session, task_mark(paths.repo_root, paths.spec, task.id));
  if (!committed) return TaskEnd::failed;
  if (!config.merge) {
    double ended = now_epoch();
    update_run_state(paths, [&](RunState& s) {
      if (s.find(task.id)) commit_unmerged(s, task.id, ended);
    });
    log_info("task {}: committed on {}, not merged (run --no-merge)", task.id, task.branch);
    return TaskEnd::committed;
  }
  return merge_task_branch(paths, task, config, place.work, stop, /*wait_when_held=*/true);
}

}  // namespace kp
