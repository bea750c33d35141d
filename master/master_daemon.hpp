// The master: a daemon (no terminal), one per spec (it holds .master.lock), the
// direct parent of its workers. It starts max_parallel workers, respawns one
// that dies unexpectedly (with back-off and a cap), stops them with SIGTERM
// then SIGKILL, and exits when no work is left.
#pragma once
#include <string>

namespace kp {

// `monitor_only` (kiro-parallel monitor): its workers only finish running
// tasks nobody holds (worker --resume-only) and it exits once none runs.
int run_master(const std::string& repo_dir, const std::string& spec, bool monitor_only = false);

}  // namespace kp
