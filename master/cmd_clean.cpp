#include "master/cli_args.hpp"
#include "master/command.hpp"

#include <fmt/format.h>

namespace kp {

namespace {

int handler(const std::vector<std::string>& args);

}  // namespace

const Command kCmdClean = {
    "clean",
    "clean <spec> [--force]",
    "remove sessions, merged worktrees and state",
    "",
    handler,
};

namespace {

int handler(const std::vector<std::string>& args) {
  ParsedArgs parsed = parse_args(kCmdClean, args, {}, 0, 8);
  if (parsed.help) {
    print_command_help(kCmdClean);
    return 0;
  }
  fmt::print(stderr, "kiro-parallel clean: not implemented yet\n");
  return 1;
}

}  // namespace

}  // namespace kp
