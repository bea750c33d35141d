#include "master/cli_args.hpp"
#include "master/command.hpp"

#include <fmt/format.h>

namespace kp {

namespace {

int handler(const std::vector<std::string>& args);

}  // namespace

const Command kCmdAnalyze = {
    "analyze",
    "analyze <spec> [--mermaid] [--json] [--order majors|strict] [--skip-optional]",
    "parse, validate and plan a spec's tasks.md",
    "",
    handler,
};

namespace {

int handler(const std::vector<std::string>& args) {
  ParsedArgs parsed = parse_args(kCmdAnalyze, args, {}, 0, 8);
  if (parsed.help) {
    print_command_help(kCmdAnalyze);
    return 0;
  }
  fmt::print(stderr, "kiro-parallel analyze: not implemented yet\n");
  return 1;
}

}  // namespace

}  // namespace kp
