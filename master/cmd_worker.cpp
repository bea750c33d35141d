#include <fmt/format.h>

#include "common/error.hpp"
#include "master/cli_args.hpp"
#include "master/command.hpp"
#include "worker/worker_loop.hpp"

namespace kp {

namespace {

int handler(const std::vector<std::string>& args);

}  // namespace

const Command kCmdWorker = {
    "worker",
    "worker <spec> --worker-id N [--resume-only]",
    "internal: one worker process (started by the master)",
    "  --worker-id N   this worker's number (its lock, pid and log files use it)\n"
    "  --resume-only   only finish running tasks nobody holds; claim no new one (monitor)\n",
    handler,
    true,
};

namespace {

int handler(const std::vector<std::string>& args) {
  ParsedArgs parsed = parse_args(kCmdWorker, args, {{"--worker-id", true}, {"--resume-only", false}}, 1, 1);
  if (parsed.help) {
    print_command_help(kCmdWorker);
    return 0;
  }
  WorkerOptions options;
  options.repo_dir = repo_dir_arg(parsed);
  options.spec = parsed.positionals[0];
  auto id = parsed.integer("--worker-id", 0, 1023);
  if (!id) throw UsageError("worker: --worker-id is required");
  options.worker_id = static_cast<int>(*id);
  options.resume_only = parsed.has("--resume-only");
  return run_worker(options);
}

}  // namespace

}  // namespace kp
