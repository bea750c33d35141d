// The master: a daemon (no terminal), one per spec (it holds .master.lock), the
// direct parent of its workers. It starts max_parallel workers, respawns one
// that dies unexpectedly (with back-off and a cap), stops them with SIGTERM
// then SIGKILL, and exits when no work is left.
#pragma once
#include <string>

namespace kp {

int run_master(const std::string& repo_dir, const std::string& spec);

}  // namespace kp
