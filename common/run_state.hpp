// .parallel_state.json and .completed_tasks.json: what a run knows about each
// task, shared by the master, the workers and the commands. Read and write
// them only while holding the spec's .task_lock (StateLock).
#pragma once
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/event_journal.hpp"
#include "common/file_lock.hpp"
#include "common/spec_paths.hpp"
#include "common/task_phase.hpp"

namespace kp {

// committed: run --no-merge; the work is on the task branch, not yet on the
// target branch (`kiro-parallel merge`), so its dependents wait.
enum class TaskStatus { pending, running, completed, failed, stopped, blocked, conflict, committed };
std::string_view to_string(TaskStatus status);
std::optional<TaskStatus> parse_task_status(std::string_view text);

struct TaskState {
  std::string id;
  std::string title;
  TaskStatus status = TaskStatus::pending;
  std::vector<std::string> deps;  // leaf task ids that must be completed (merged) first
  std::vector<std::string> parents;  // enclosing tasks, nearest first: ticked when all their leaves are done
  double priority = 1;            // longest remaining weighted path; higher runs first
  bool optional = false;
  int wave = 0;                   // longest-path level in the plan
  std::vector<std::string> boundary;  // _Boundary:_ components (serialize_same_boundary)
  int worker = -1;                // claiming worker id, -1 when none
  std::string session;            // tmux session name
  std::string branch;
  std::string worktree;
  std::string started_at;         // ISO 8601 UTC of the first start of the current attempt series
  double started_epoch = 0;
  std::optional<double> duration; // seconds, once completed
  int attempts = 0;
  bool prompt_sent = false;       // the task prompt reached the agent (survives a worker restart)
  std::string phase;              // what is happening now: "agent busy", "needs choice: …", "merging", ...
  Phase phase_kind = Phase::none; // the same, typed (set only through common/task_lifecycle)
  std::string phase_detail;       // the part of `phase` after its kind
  std::string message;            // why it failed, conflicted, is held or blocked
  double phase_since = 0;         // epoch seconds the phase began
  std::string evidence;           // what proved the task completed ("signal + checkbox")
  int worker_errors = 0;          // unexpected worker errors in a row while holding it
  std::string last_worker_error;  // the text of the last one
  // Tokens the agent reported for this task (Claude Code's transcript), all attempts.
  long long tokens_input = 0, tokens_output = 0, tokens_cache_read = 0, tokens_cache_creation = 0;

  bool operator==(const TaskState&) const = default;
};

struct RunConfig {  // what `run` decided; workers read it from the state
  int max_parallel = 3;
  int max_wave = -1;              // --wave M: only tasks of waves <= M; -1 all
  std::vector<std::string> agent_command;
  std::string profile = "claude";
  std::string prompt_template = "/kiro:spec-impl {spec} {task}";
  std::string prompt_source;      // why this prompt: "cc-sdd skill .claude/skills/kiro-impl/SKILL.md", ...
  std::string tmux_socket;
  std::string target_branch;
  std::string worktree_root;
  std::string order = "majors";
  bool serialize_same_boundary = false;  // tasks naming the same _Boundary:_ never run together
  int poll_interval_ms = 250;
  int max_starting = 0;           // tasks in their start phase at once (start_gate.hpp); 0 no gate
  int task_timeout_minutes = 120;
  int run_timeout_minutes = 0;    // the whole run: 0 none
  double run_deadline_epoch = 0;  // when the run ends (set by run from run_timeout_minutes); 0 none
  int retries = 0;
  bool merge = true;              // false (run --no-merge): tasks stop at committed
  int stuck_after_seconds = 900;
  bool enter_while_attached = false;
  std::string approve_mode;       // run --approve MODE for this run; empty: approve.mode of the settings
  std::string commit_message;
  std::string merge_message;
  std::vector<std::pair<std::string, std::string>> agent_env;

  bool operator==(const RunConfig&) const = default;
};

struct RunState {
  int version = 1;
  std::string spec;
  std::string created_at;
  std::string updated_at;
  RunConfig config;
  std::string master_gave_up;    // why the last master stopped restarting workers; empty when it did not
  std::string plan_changes;      // tasks.md edited during the run: what, for status and watch; empty none
  std::vector<TaskState> tasks;  // in id order
  // Transitions made since the state was read, not yet journaled: the
  // lifecycle functions add them, commit_run_state appends and clears them.
  std::vector<JournalEvent> journal;
  // The state as read_run_state returned it: commit_run_state journals the
  // tasks that differ from it. Null for a state made in memory (a new run):
  // that one is journaled and written whole.
  std::shared_ptr<const RunState> as_read;

  TaskState* find(std::string_view id);
  const TaskState* find(std::string_view id) const;
};

// .parallel_state.json is a snapshot: the state as of `journal_offset` bytes
// of logs/events.jsonl, whose later records carry each changed task's state
// (Ninja's build log is the model). read: the snapshot with the journal's
// later records applied; missing file -> std::nullopt; corrupt ->
// RuntimeError naming it and saying how to rebuild it.
std::optional<RunState> read_run_state(const std::filesystem::path& path);
// Writes the snapshot now, covering the whole journal (stamps updated_at).
void write_run_state(const std::filesystem::path& path, RunState& state);
// Appends the state's pending journal events to the spec's events.jsonl, each
// changed task's state with them, then rewrites the snapshot when it is due:
// at most once a second (once every `tasks` ms for large plans), at once
// when the run's settings or its set of tasks changed or no task is left to
// run. The caller holds the StateLock.
void commit_run_state(const SpecPaths& paths, RunState& state);
// Under the StateLock: the snapshot rewritten to cover the whole journal
// (the master's exit). Nothing when there is no state.
void flush_run_state(const SpecPaths& paths);
// The state rebuilt from the journal alone: its last run_state record and
// every task state after it. std::nullopt when the journal has none.
std::optional<RunState> rebuild_run_state_from_journal(const SpecPaths& paths);

struct Completion {
  std::string task_id;
  std::string title;
  double duration = 0;       // seconds
  std::string completed_at;  // ISO 8601 UTC
};
std::vector<Completion> read_completions(const std::filesystem::path& path);
// Appends one entry (read, add, write whole). The caller holds the StateLock.
void append_completion(const std::filesystem::path& path, const Completion& completion);
// Median recorded duration per task id: the scheduler's weights. The whole
// history counts, not only the latest entries.
std::map<std::string, double> median_durations(const std::vector<Completion>& history);

// The spec's .task_lock, held while reading-modifying-writing any state file.
class StateLock {
 public:
  explicit StateLock(const SpecPaths& paths);
 private:
  FileLock lock_;
};

std::string iso8601_utc(double epoch_seconds);
double now_epoch();

}  // namespace kp

namespace kp {

// A worker is alive while it holds its .worker-<id>.lock; a pid alone could be reused.
bool worker_alive(const SpecPaths& paths, int worker_id);
bool master_alive(const SpecPaths& paths);
// The pid in a .master.pid or .worker-<id>.pid file, or 0.
int read_pid_file(const std::filesystem::path& path);

// Reads, changes and writes the state under the StateLock in one step.
// Throws RuntimeError when there is no state file.
template <typename Change>
void update_run_state(const SpecPaths& paths, Change&& change) {
  StateLock lock(paths);
  auto state = read_run_state(paths.state_json);
  if (!state) throw RuntimeError(paths.state_json.string() + ": no run state (start one with `kiro-parallel run`)");
  change(*state);
  commit_run_state(paths, *state);
}

}  // namespace kp
