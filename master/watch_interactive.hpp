// `watch` on a terminal (stdin and stdout): a task list a person can act
// from. Up/Down (j/k) select; Enter or a attach; l the task's log; s s stop;
// r retry; y approve once / n refuse the approval prompt the task waits on;
// q quits. Stop and retry are the `stop` and `retry` commands; y / n go to
// the task's worker as a PersonAnswer (common/person_answer.hpp).
#pragma once
#include "common/spec_paths.hpp"

namespace kp {

struct InteractiveWatchOptions {
  double interval = 1.0;  // seconds between redraws when no key comes
  bool bell = true;       // notify.bell
};

// Runs until q, Ctrl-C, SIGINT/SIGTERM or a hang-up, or the run is over with
// every task done (then the last frame and the summary are printed on the
// main screen, exit 0). A run that is stuck keeps it open for a person to act.
// Exit status: 130 on Ctrl-C / SIGINT, 128+N on signal N; q: 0 while the run
// moves, 3 once it is stuck.
int run_interactive_watch(const SpecPaths& paths, const InteractiveWatchOptions& options);

}  // namespace kp
