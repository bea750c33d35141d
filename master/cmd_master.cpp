#include "master/cli_args.hpp"
#include "master/command.hpp"

#include <fmt/format.h>

namespace kp {

namespace {

int handler(const std::vector<std::string>& args);

}  // namespace

const Command kCmdMaster = {
    "master",
    "master <spec>",
    "internal: the detached master process",
    "",
    handler,
    true,
};

namespace {

int handler(const std::vector<std::string>& args) {
  ParsedArgs parsed = parse_args(kCmdMaster, args, {}, 0, 8);
  if (parsed.help) {
    print_command_help(kCmdMaster);
    return 0;
  }
  fmt::print(stderr, "kiro-parallel master: not implemented yet\n");
  return 1;
}

}  // namespace

}  // namespace kp
