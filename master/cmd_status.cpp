#include "master/cli_args.hpp"
#include "master/command.hpp"

#include <fmt/format.h>

namespace kp {

namespace {

int handler(const std::vector<std::string>& args);

}  // namespace

const Command kCmdStatus = {
    "status",
    "status <spec> [--json]",
    "every task's status, worker, session, start, duration, attempts",
    "",
    handler,
};

namespace {

int handler(const std::vector<std::string>& args) {
  ParsedArgs parsed = parse_args(kCmdStatus, args, {}, 0, 8);
  if (parsed.help) {
    print_command_help(kCmdStatus);
    return 0;
  }
  fmt::print(stderr, "kiro-parallel status: not implemented yet\n");
  return 1;
}

}  // namespace

}  // namespace kp
