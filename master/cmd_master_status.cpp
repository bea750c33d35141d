#include "master/cli_args.hpp"
#include "master/command.hpp"

#include <fmt/format.h>

namespace kp {

namespace {

int handler(const std::vector<std::string>& args);

}  // namespace

const Command kCmdMasterStatus = {
    "master-status",
    "master-status <spec>",
    "master and worker processes, their tasks, recent completions",
    "",
    handler,
};

namespace {

int handler(const std::vector<std::string>& args) {
  ParsedArgs parsed = parse_args(kCmdMasterStatus, args, {}, 0, 8);
  if (parsed.help) {
    print_command_help(kCmdMasterStatus);
    return 0;
  }
  fmt::print(stderr, "kiro-parallel master-status: not implemented yet\n");
  return 1;
}

}  // namespace

}  // namespace kp
