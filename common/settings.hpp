// .kiro/settings/parallel.json: the run's settings. Command-line flags win
// over the file; the file wins over the defaults below.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/approval_policy.hpp"
#include "common/spec_paths.hpp"

namespace kp {

struct Settings {
  int max_parallel = 3;
  bool max_parallel_auto = false;    // "max_parallel": "auto" (machine_capacity.hpp)
  int poll_interval_ms = 250;        // the longest a worker waits between screen checks
  int max_starting = 0;              // tasks in their start phase at once; 0: "auto", 2 per core (start_gate.hpp)
  int task_timeout_minutes = 120;
  int run_timeout_minutes = 0;       // the whole run; 0: no limit
  int retries = 0;                   // extra attempts for a failed task
  std::string target_branch;         // empty: the branch checked out when `run` starts
  std::string worktree_root;         // empty: <repo>/../worktrees
  std::string tmux_socket;           // empty: the user's default server
  std::string order = "auto";        // auto, majors or strict (see planner.hpp)
  bool serialize_same_boundary = false;  // tasks naming the same _Boundary:_ never run together
  bool skip_optional = false;
  bool merge = true;                 // "merge": false stops tasks at committed (run --no-merge)
  bool enter_while_attached = false; // press Enter even while a person is attached
  int stuck_after_seconds = 900;     // a busy screen unchanged this long is "possibly stuck"
  std::string commit_message = "{spec}: task {task} {title}";
  std::string merge_message = "Merge task {task} of {spec}: {title}";
  std::vector<std::pair<std::string, std::string>> agent_env;  // agent.env
  ApprovalSettings approve;          // "approve": what permission prompts get (approval_policy.hpp)
  nlohmann::json raw = nlohmann::json::object();   // the whole file, for the agent profile
  std::string path;                                // the file it came from
};

// Reads the settings file (missing = defaults). UsageError naming the file and
// key for bad JSON or a value of the wrong type. KIRO_PARALLEL_TMUX_SOCKET, when
// set, overrides tmux_socket.
Settings load_settings(const SpecPaths& paths);

// Parses settings text (for tests); `path` names the source in messages.
Settings parse_settings(const std::string& text, const std::string& path);

// Replaces {spec}, {task} and {title} in a message template.
std::string render_template(std::string_view tmpl, std::string_view spec, std::string_view task,
                            std::string_view title);

}  // namespace kp
