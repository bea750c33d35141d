#include "master/cli_args.hpp"
#include "master/command.hpp"
#include "master/master_daemon.hpp"

namespace kp {

namespace {

int handler(const std::vector<std::string>& args);

}  // namespace

const Command kCmdMaster = {
    "master",
    "master <spec> [--monitor]",
    "internal: the detached master process (started by run)",
    "  --monitor   supervise the running tasks only: workers claim no new task, and\n"
    "              the master exits once none runs (kiro-parallel monitor)\n",
    handler,
    true,
};

namespace {

int handler(const std::vector<std::string>& args) {
  ParsedArgs parsed = parse_args(kCmdMaster, args, {{"--monitor", false}}, 1, 1);
  if (parsed.help) {
    print_command_help(kCmdMaster);
    return 0;
  }
  return run_master(repo_dir_arg(parsed), parsed.positionals[0], parsed.has("--monitor"));
}

}  // namespace

}  // namespace kp
