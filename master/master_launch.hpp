// Starting the detached master, and bringing a spec's run back to a state the
// workers can carry on from (shared by run, recover and retry).
#pragma once
#include <string>
#include <vector>

#include "common/spec_paths.hpp"
#include "common/tmux_client.hpp"

namespace kp {

// Starts `kiro-parallel master <spec>` in a new session (no terminal), its
// output in logs/master.log, and waits until it holds the master lock.
// Returns false when a master already runs. Throws RuntimeError when it fails to start.
// `monitor_only`: `master --monitor` (see run_master).
bool start_master(const SpecPaths& paths, bool monitor_only = false);

struct RecoveryReport {
  std::vector<std::string> reset;    // claims of dead workers put back to pending
  std::vector<std::string> resumable;  // running tasks whose session lives on: the next worker adopts them
  std::vector<std::string> adopted;  // sessions state did not know, now running tasks again
  std::vector<std::string> foreign;  // sessions of this spec that match no unfinished task
};

// Under the state lock: a running task whose worker is dead is released for
// the next worker to resume (its session, when alive, is adopted; without a
// session and before committing it goes back to pending); a live session of
// this spec whose task the state does not show running is adopted.
RecoveryReport recover_orphans(const SpecPaths& paths, const TmuxClient& tmux);

}  // namespace kp
