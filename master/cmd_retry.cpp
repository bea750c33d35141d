#include "master/cli_args.hpp"
#include "master/command.hpp"

#include <fmt/format.h>

namespace kp {

namespace {

int handler(const std::vector<std::string>& args);

}  // namespace

const Command kCmdRetry = {
    "retry",
    "retry <spec> <task>",
    "merge a conflicted task again after it was resolved by hand",
    "",
    handler,
};

namespace {

int handler(const std::vector<std::string>& args) {
  ParsedArgs parsed = parse_args(kCmdRetry, args, {}, 0, 8);
  if (parsed.help) {
    print_command_help(kCmdRetry);
    return 0;
  }
  fmt::print(stderr, "kiro-parallel retry: not implemented yet\n");
  return 1;
}

}  // namespace

}  // namespace kp
