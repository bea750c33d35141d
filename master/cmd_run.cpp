#include "master/cli_args.hpp"
#include "master/command.hpp"

#include <fmt/format.h>

namespace kp {

namespace {

int handler(const std::vector<std::string>& args);

}  // namespace

const Command kCmdRun = {
    "run",
    "run <spec> [--max-parallel N] [--wave M] [--dry-run] [--no-watch] [--agent-cmd CMD]",
    "start the detached master and watch the run",
    "",
    handler,
};

namespace {

int handler(const std::vector<std::string>& args) {
  ParsedArgs parsed = parse_args(kCmdRun, args, {}, 0, 8);
  if (parsed.help) {
    print_command_help(kCmdRun);
    return 0;
  }
  fmt::print(stderr, "kiro-parallel run: not implemented yet\n");
  return 1;
}

}  // namespace

}  // namespace kp
