// The front end: maps a subcommand name to its table entry and turns errors
// into the exit codes scripts rely on.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/error.hpp"
#include "master/cli_args.hpp"
#include "master/command.hpp"
#include "master/completion.hpp"

namespace kp {

// `git describe` of the checkout this was built from; empty for a tarball
// (generated at build time by cmake/kp_revision.cmake).
extern const char* const kGitRevision;

namespace {

void print_overview() {
  fmt::print(
      "usage: kiro-parallel <command> <spec> [options]\n\n"
      "Runs the tasks of a spec's tasks.md in parallel with AI coding agents,\n"
      "each in its own git worktree and tmux session.\n\ncommands:\n");
  for (const Command* c : all_commands()) {
    if (!c->internal) fmt::print("  {:<14} {}\n", c->name, c->summary);
  }
  fmt::print(
      "\nEvery command takes -C DIR (before or after the command) and --help. Exit codes: 0 success, 1 runtime\n"
      "failure, 2 bad usage or input, 3 tasks failed or are blocked.\n"
      "See kiro-parallel(1).\n");
}

}  // namespace

}  // namespace kp

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // `kiro-parallel -C DIR <command> ...` (the git habit) means `<command> -C DIR ...`.
  std::vector<std::string> global;
  while (args.size() >= 2 && args[0] == "-C") {
    global = {"-C", args[1]};
    args.erase(args.begin(), args.begin() + 2);
  }
  if (!global.empty() && !args.empty()) args.insert(args.begin() + 1, global.begin(), global.end());
  if (args.empty()) {
    kp::print_overview();
    return kp::kExitUsage;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    if (args.size() > 1) {
      if (const kp::Command* c = kp::find_command(args[1])) {
        kp::print_command_help(*c);
        return kp::kExitOk;
      }
    }
    kp::print_overview();
    return kp::kExitOk;
  }
  if (args[0] == "--version") {
    if (*kp::kGitRevision) fmt::print("kiro-parallel {} (git {})\n", KP_VERSION, kp::kGitRevision);
    else fmt::print("kiro-parallel {}\n", KP_VERSION);
    return kp::kExitOk;
  }
  // Hidden: what the bash and zsh completion scripts ask (completions/).
  if (args[0] == "__complete") {
    return kp::run_complete(kp::all_commands(), std::vector<std::string>(args.begin() + 1, args.end()));
  }
  const kp::Command* command = kp::find_command(args[0]);
  if (!command) {
    fmt::print(stderr, "kiro-parallel: unknown command '{}' (see kiro-parallel --help)\n", args[0]);
    return kp::kExitUsage;
  }
  try {
    // The table entry's declaration is parsed here, before the handler runs.
    kp::ParsedArgs parsed = kp::parse_args(*command, std::vector<std::string>(args.begin() + 1, args.end()));
    if (parsed.help) {
      kp::print_command_help(*command);
      return kp::kExitOk;
    }
    return command->handler(parsed);
  } catch (const kp::UsageError& e) {
    fmt::print(stderr, "kiro-parallel: {}\n", e.what());
    return kp::kExitUsage;
  } catch (const std::exception& e) {
    fmt::print(stderr, "kiro-parallel {}: {}\n", command->name, e.what());
    return kp::kExitFailure;
  }
}
