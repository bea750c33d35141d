#include "master/cli_args.hpp"
#include "master/command.hpp"

#include <fmt/format.h>

namespace kp {

namespace {

int handler(const std::vector<std::string>& args);

}  // namespace

const Command kCmdWorker = {
    "worker",
    "worker <spec> --worker-id N",
    "internal: one worker process",
    "",
    handler,
    true,
};

namespace {

int handler(const std::vector<std::string>& args) {
  ParsedArgs parsed = parse_args(kCmdWorker, args, {}, 0, 8);
  if (parsed.help) {
    print_command_help(kCmdWorker);
    return 0;
  }
  fmt::print(stderr, "kiro-parallel worker: not implemented yet\n");
  return 1;
}

}  // namespace

}  // namespace kp
