// What the interactive watch draws: the run's header, every task as one
// selectable row (those waiting on a person first, then running, failed and
// the like, committed, pending, completed), a message line, the counts and
// the footer with the keys; and the log view of one task. Pure.
#pragma once
#include <string>
#include <vector>

#include "common/run_state.hpp"
#include "common/term_style.hpp"
#include "master/run_display.hpp"

namespace kp {

// The footer: every key the watch takes.
inline constexpr const char* kWatchKeys =
    "↑/↓ j/k select · Enter/a attach · l log · s stop · r retry · y approve once · n refuse · q quit";

// Task ids in the order of the rows.
std::vector<std::string> watch_row_order(const RunState& state);

// The selected task after moving `delta` rows from `selected` (clamped; the
// first row when `selected` is not shown; "" with no tasks).
std::string move_selection(const RunState& state, const std::string& selected, int delta);

// One row: "!! 1.2  needs choice: refused by git_push: Bash git push · Title".
std::string watch_row_text(const TaskState& task, double now);

struct WatchFrameInput {
  const RunState* state = nullptr;
  const std::vector<Completion>* completions = nullptr;
  const DisplayFacts* facts = nullptr;
  std::string selected;  // task id
  std::string message;   // the last action's result, one line; "" none
  std::string ending;    // how the run ended (run_final_line) once it is over; "" while it moves
};

// The whole frame, at most `height` lines of at most `width` columns, each
// ending in '\n'; the rows scroll so that the selected one shows.
std::string render_watch_frame(const WatchFrameInput& in, const TermStyle& style, int width, int height);

// The log view: a title line, the last lines of `log` that fit, "q back" footer.
std::string render_log_view(const std::string& task, const std::string& log_path, const std::string* log,
                            const TermStyle& style, int width, int height);

}  // namespace kp
