// The worker process: claim a task, start it, monitor it, finish it; repeat.
#pragma once
#include <string>

namespace kp {

struct WorkerOptions {
  std::string repo_dir = ".";
  std::string spec;
  int worker_id = 0;
  bool resume_only = false;  // monitor: finish running tasks, claim no new one
};

// Runs until no task is left to claim or SIGTERM arrives; returns the exit code.
int run_worker(const WorkerOptions& options);

}  // namespace kp
