#include "master/cli_args.hpp"
#include "master/command.hpp"

#include <fmt/format.h>

namespace kp {

namespace {

int handler(const std::vector<std::string>& args);

}  // namespace

const Command kCmdStopAll = {
    "stop-all",
    "stop-all <spec>",
    "stop master, workers and the spec's sessions; work stays",
    "",
    handler,
};

namespace {

int handler(const std::vector<std::string>& args) {
  ParsedArgs parsed = parse_args(kCmdStopAll, args, {}, 0, 8);
  if (parsed.help) {
    print_command_help(kCmdStopAll);
    return 0;
  }
  fmt::print(stderr, "kiro-parallel stop-all: not implemented yet\n");
  return 1;
}

}  // namespace

}  // namespace kp
