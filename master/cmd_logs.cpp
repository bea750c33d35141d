#include "master/cli_args.hpp"
#include "master/command.hpp"

#include <fmt/format.h>

namespace kp {

namespace {

int handler(const std::vector<std::string>& args);

}  // namespace

const Command kCmdLogs = {
    "logs",
    "logs <spec> <task> [-f]",
    "print a task's latest screen log",
    "",
    handler,
};

namespace {

int handler(const std::vector<std::string>& args) {
  ParsedArgs parsed = parse_args(kCmdLogs, args, {}, 0, 8);
  if (parsed.help) {
    print_command_help(kCmdLogs);
    return 0;
  }
  fmt::print(stderr, "kiro-parallel logs: not implemented yet\n");
  return 1;
}

}  // namespace

}  // namespace kp
