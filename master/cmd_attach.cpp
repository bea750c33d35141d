#include "master/cli_args.hpp"
#include "master/command.hpp"

#include <fmt/format.h>

namespace kp {

namespace {

int handler(const std::vector<std::string>& args);

}  // namespace

const Command kCmdAttach = {
    "attach",
    "attach <spec> <task>",
    "attach to a task's tmux session",
    "",
    handler,
};

namespace {

int handler(const std::vector<std::string>& args) {
  ParsedArgs parsed = parse_args(kCmdAttach, args, {}, 0, 8);
  if (parsed.help) {
    print_command_help(kCmdAttach);
    return 0;
  }
  fmt::print(stderr, "kiro-parallel attach: not implemented yet\n");
  return 1;
}

}  // namespace

}  // namespace kp
