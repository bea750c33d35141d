#include "master/cli_args.hpp"
#include "master/command.hpp"

#include <fmt/format.h>

namespace kp {

namespace {

int handler(const std::vector<std::string>& args);

}  // namespace

const Command kCmdWatch = {
    "watch",
    "watch <spec> [--interval S] [--once]",
    "live display of a run (display only)",
    "",
    handler,
};

namespace {

int handler(const std::vector<std::string>& args) {
  ParsedArgs parsed = parse_args(kCmdWatch, args, {}, 0, 8);
  if (parsed.help) {
    print_command_help(kCmdWatch);
    return 0;
  }
  fmt::print(stderr, "kiro-parallel watch: not implemented yet\n");
  return 1;
}

}  // namespace

}  // namespace kp
