// What the read-only views (status, watch, master-status, run) show of a run:
// the facts that live outside the state file (which processes are alive), the
// rendered frame, and the rule that says whether a run can still move.
// Rendering is pure so unit tests drive it with hand-made states.
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/run_state.hpp"
#include "common/run_summary.hpp"
#include "common/spec_paths.hpp"
#include "common/term_style.hpp"
#include "common/text_width.hpp"

namespace kp {

struct WorkerFact {
  int id = 0;
  int pid = 0;           // from .worker-<id>.pid; 0 when unknown
  bool alive = false;    // holds its .worker-<id>.lock
  std::string task;      // from .worker-<id>.task; empty when it has none
  double task_since = 0; // epoch seconds it took the task (the .task file's time); 0 unknown
};

struct DisplayFacts {
  bool master_running = false;
  int master_pid = 0;               // 0 when not running or unknown
  std::vector<WorkerFact> workers;  // ids 0..max_parallel-1, alive or not
  double now = 0;                   // epoch seconds the facts were taken

  bool any_worker_alive() const;
};

// Reads the pid, task and lock files of the master and of every worker id.
DisplayFacts gather_display_facts(const SpecPaths& paths, const RunState& state);

// The state, or UsageError "no run state for spec X (start one with kiro-parallel run X)".
RunState load_run_state_for_view(const SpecPaths& paths);

// The state and the liveness facts, taken so that "nobody is left to do the
// work" is never judged on a state older than that finding: when no master or
// worker is alive, the state is read again, after they were seen gone (the
// master exits a moment after it writes the last completion). `read_state`
// is load_run_state_for_view unless a test stands in for it.
struct RunView {
  RunState state;
  DisplayFacts facts;
};
RunView read_run_view(const SpecPaths& paths,
                      const std::function<RunState(const SpecPaths&)>& read_state = load_run_state_for_view);

enum class RunOutcome {
  moving,    // something runs, or the master can still start something
  all_done,  // nothing left to do and nothing failed
  stuck,     // nothing can move any more and some task failed, stopped, blocked or conflicts
};
// stuck also when neither the master nor any worker lives while work remains.
RunOutcome run_outcome(const RunState& state, const DisplayFacts& facts);

// What the watch says when the run can no longer move ("all tasks completed",
// "nothing more can run: 1 failed, ..."), and its exit status (3 when stuck).
std::string run_final_line(const RunState& state, RunOutcome outcome);
int run_exit_code(RunOutcome outcome);

// True when some task is failed, blocked or in conflict and work_remaining is false:
// the rule for `status`'s exit code 3.
bool status_says_failed(const RunState& state);

// "tmux attach -t =S" or "tmux -L sock attach -t =S" for a person to type.
std::string attach_command_text(const RunConfig& config, const std::string& session);
std::vector<std::string> attach_command_argv(const RunConfig& config, const std::string& session);
// The task's tmux session: the recorded one, else the name derived from spec and id.
std::string task_session(const RunState& state, const TaskState& task);

// "45s", "3m05s", "2h04m"; "-" for a negative or unknown time.
std::string format_duration(double seconds);
// A phase that waits for a person's choice ("needs choice: ...").
bool phase_needs_choice(std::string_view phase);
// fit_width (cutting a line to the terminal) is in common/text_width.hpp.

// One watch frame: header (spec, master, progress bar), running tasks with
// elapsed time and phase (the progress line ends in the ETA), needs-choice tasks (loud, with the attach command),
// conflicts and failures with their one-line reason, the last 5 completions,
// counts. At most `height` lines of at most `width` columns; the middle is cut
// with "… N more" when it does not fit. Lines end in '\n'.
// " · ETA ~12m05s": the simulated time left (run_eta_seconds over the recorded
// medians) while the master runs and work is left; "" otherwise.
std::string eta_text(const RunState& state, const std::vector<Completion>& completions, const DisplayFacts& facts);

// The frame's first two lines (spec and master, progress bar with the ETA), and its counts line (no newline).
std::string render_run_header(const RunState& state, const std::vector<Completion>& completions,
                              const DisplayFacts& facts, const TermStyle& style, int width);
std::string render_counts(const RunState& state);

std::string render_run(const RunState& state, const std::vector<Completion>& completions,
                       const DisplayFacts& facts, const TermStyle& style, int width, int height);

// What changes the frame for a person, without the ticking clocks: the
// non-terminal watch prints a block only when this changes.
std::string run_change_key(const RunState& state, const DisplayFacts& facts);

// The run summary for a person: "wall 12m05s · work 31m10s · speedup 2.58x (86%
// of 3 workers) · saved 19m05s", then the critical path as it ran, tokens and
// cost (or "cost unknown (no prices in settings)"), retries and failures.
std::vector<std::string> summary_lines(const RunSummary& summary);
// summarize_run with the price the spec's settings give (load_settings, run_price).
RunSummary summarize_for_view(const SpecPaths& paths, const RunState& state, double now);

}  // namespace kp
