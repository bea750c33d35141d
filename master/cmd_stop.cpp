#include "master/cli_args.hpp"
#include "master/command.hpp"

#include <fmt/format.h>

namespace kp {

namespace {

int handler(const std::vector<std::string>& args);

}  // namespace

const Command kCmdStop = {
    "stop",
    "stop <spec> <task>",
    "stop one task and its worker; the worktree and its work stay",
    "",
    handler,
};

namespace {

int handler(const std::vector<std::string>& args) {
  ParsedArgs parsed = parse_args(kCmdStop, args, {}, 0, 8);
  if (parsed.help) {
    print_command_help(kCmdStop);
    return 0;
  }
  fmt::print(stderr, "kiro-parallel stop: not implemented yet\n");
  return 1;
}

}  // namespace

}  // namespace kp
