#include <fmt/format.h>

#include <thread>

#include "common/agent_processes.hpp"
#include "common/error.hpp"
#include "common/git_worktree.hpp"
#include "common/run_state.hpp"
#include "common/scheduler.hpp"
#include "common/spec_sessions.hpp"
#include "common/tmux_client.hpp"
#include "master/cli_args.hpp"
#include "master/command.hpp"

namespace kp {

namespace fs = std::filesystem;

namespace {

int handler(const ParsedArgs& parsed);

}  // namespace

const Command kCmdClean = {
    .name = "clean",
    .summary = "remove sessions, merged worktrees and state; refuses to delete unmerged work",
    .positionals = {{"<spec>", PositionalKind::spec}},
    .options = {{{"--force"},
                 "",
                 "remove unmerged or dirty worktrees too, after saving their commits and changes under "
                 "refs/kiro-parallel/archive/<branch>/<time> (nothing is lost)"}},
    .help = "Kills the spec's tmux sessions, removes each task worktree whose branch is\n"
            "merged and that has no uncommitted or untracked changes (and its branch),\n"
            "then the run state. Unmerged or dirty worktrees are listed and kept, and the\n"
            "state stays so nothing is forgotten; exit 1 (--force removes them too).\n"
            "The completion history (.completed_tasks.json) and logs/ are kept.\n",
    .handler = handler,
};

namespace {

int handler(const ParsedArgs& parsed) {
  SpecPaths paths = SpecPaths::resolve(repo_dir_arg(parsed), parsed.positionals[0]);
  // A master whose work is done exits within a moment; wait for it.
  for (int i = 0; i < 50 && master_alive(paths); ++i) {
    auto now = read_run_state(paths.state_json);
    if (now && work_remaining(*now)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (master_alive(paths)) {
    fmt::print(stderr, "clean: a master is running for {}; run `kiro-parallel stop-all {}` first\n", paths.spec,
               paths.spec);
    return kExitFailure;
  }
  auto state = read_run_state(paths.state_json);
  if (!state) {
    fmt::print("nothing to clean for spec {}\n", paths.spec);
    return 0;
  }
  const bool force = parsed.has("--force");
  TmuxClient tmux(state->config.tmux_socket);
  int sessions = 0;
  for (const auto& name : spec_sessions(tmux.list_sessions_with_owner(), paths.repo_root, paths.spec, &*state)) {
    tmux.kill_session(name);
    ++sessions;
  }
  stop_spec_processes(paths.repo_root, paths.spec);  // an agent's daemon outside its session
  int removed = 0;
  std::vector<std::string> kept;
  for (const auto& t : state->tasks) {
    if (t.worktree.empty() && t.branch.empty()) continue;
    auto result = git::remove_task_worktree(paths.repo_root, t.worktree, t.branch, state->config.target_branch, force);
    if (result.removed) {
      ++removed;
      if (!result.archive_ref.empty()) fmt::print("task {}: work saved at {}\n", t.id, result.archive_ref);
    } else if (!result.reason.empty()) {
      kept.push_back(fmt::format("task {}: {}", t.id, result.reason));
    }
  }
  fmt::print("killed {} session{}, removed {} worktree{}\n", sessions, sessions == 1 ? "" : "s", removed,
             removed == 1 ? "" : "s");
  if (!kept.empty()) {
    fmt::print(stderr, "kept (unmerged or uncommitted work; clean --force saves it under an archive ref first):\n");
    for (const auto& k : kept) fmt::print(stderr, "  {}\n", k);
    return kExitFailure;
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(paths.spec_dir, ec)) {
    const std::string name = entry.path().filename().string();
    bool worker_file = name.rfind(".worker-", 0) == 0;
    if (name == ".parallel_state.json" || name == ".master.pid" || name == ".master.ctl" || worker_file) fs::remove(entry.path(), ec);
  }
  fmt::print("removed the run state of {}\n", paths.spec);
  return 0;
}

}  // namespace

}  // namespace kp
