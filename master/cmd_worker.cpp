#include <fmt/format.h>

#include "master/cli_args.hpp"
#include "master/command.hpp"
#include "worker/worker_loop.hpp"

namespace kp {

namespace {

int handler(const ParsedArgs& parsed);

}  // namespace

const Command kCmdWorker = {
    .name = "worker",
    .summary = "internal: one worker process (started by the master)",
    .positionals = {{"<spec>", PositionalKind::spec}},
    .options = {{.names = {"--worker-id"},
                 .argument = "N",
                 .help = "this worker's number (its lock, pid and log files use it)",
                 .required = true}},
    .help = "",
    .handler = handler,
    .internal = true,
};

namespace {

int handler(const ParsedArgs& parsed) {
  WorkerOptions options;
  options.repo_dir = repo_dir_arg(parsed);
  options.spec = parsed.positionals[0];
  options.worker_id = static_cast<int>(*parsed.integer("--worker-id", 0, 1023));  // required: declared so
  return run_worker(options);
}

}  // namespace

}  // namespace kp
