#include "master/cli_args.hpp"
#include "master/command.hpp"

#include <fmt/format.h>

namespace kp {

namespace {

int handler(const std::vector<std::string>& args);

}  // namespace

const Command kCmdRecover = {
    "recover",
    "recover <spec>",
    "adopt sessions state does not know; reset claims of dead workers",
    "",
    handler,
};

namespace {

int handler(const std::vector<std::string>& args) {
  ParsedArgs parsed = parse_args(kCmdRecover, args, {}, 0, 8);
  if (parsed.help) {
    print_command_help(kCmdRecover);
    return 0;
  }
  fmt::print(stderr, "kiro-parallel recover: not implemented yet\n");
  return 1;
}

}  // namespace

}  // namespace kp
