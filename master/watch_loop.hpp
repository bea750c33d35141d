// The watch's loop for everything but the interactive terminal: on a
// terminal (stdout only) one frame redrawn in place, otherwise a plain block
// each time something changes; it ends when the run can no longer move.
// `monitor` mode (kiro-parallel monitor) ends once no master or worker of the
// spec is left, with what the supervised tasks came to.
#pragma once
#include <string>

#include "common/run_state.hpp"
#include "common/spec_paths.hpp"

namespace kp {

struct WatchOptions {
  double interval = 1.0;
  bool monitor = false;
};

int plain_watch_loop(const SpecPaths& paths, const WatchOptions& options);

// monitor's last line: "monitor: nothing runs any more: 2 completed, 1 failed; 3 pending not started (...)".
std::string monitor_final_line(const RunState& state);

// The rows and columns of stdout's terminal (80x24 when unknown).
struct TermSize {
  int width = 80;
  int height = 24;
};
TermSize terminal_size();

// The frame drawn over the last one: each line ends in "erase to end of
// line", the frame in "erase below", so the old frame goes without a
// flickering full clear.
std::string in_place_frame(const std::string& frame);

}  // namespace kp
