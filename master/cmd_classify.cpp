#include "master/cli_args.hpp"
#include "master/command.hpp"

#include <fmt/format.h>

namespace kp {

namespace {

int handler(const std::vector<std::string>& args);

}  // namespace

const Command kCmdClassify = {
    "classify",
    "classify [--profile NAME] [--json] FILE|-",
    "classify a captured agent screen and say why",
    "",
    handler,
};

namespace {

int handler(const std::vector<std::string>& args) {
  ParsedArgs parsed = parse_args(kCmdClassify, args, {}, 0, 8);
  if (parsed.help) {
    print_command_help(kCmdClassify);
    return 0;
  }
  fmt::print(stderr, "kiro-parallel classify: not implemented yet\n");
  return 1;
}

}  // namespace

}  // namespace kp
