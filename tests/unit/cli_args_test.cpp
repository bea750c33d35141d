// The command table's declarations: parsed before the handler, and the same
// declarations write --help and the completions, for every real command.
#include <doctest/doctest.h>

#include <algorithm>
#include <stdexcept>

#include "common/error.hpp"
#include "master/cli_args.hpp"
#include "master/command.hpp"
#include "master/completion.hpp"

using namespace kp;

namespace {

int no_handler(const ParsedArgs&) { return 0; }

const Command kDemo = {
    .name = "demo",
    .summary = "a command to parse",
    .positionals = {{"<spec>", PositionalKind::spec}, {"[task]", PositionalKind::task}},
    .options =
        {
            {{"--json"}, "", "print JSON"},
            {{"-f", "--follow"}, "", "follow"},
            {{"--order"}, "ORDER", "the order", ValueKind::text, {"auto", "strict"}},
            {{"--count"}, "N", "how many"},
            {{"--rate"}, "S", "how often"},
            {.names = {"--hidden"}, .argument = "X", .help = "not in the usage line", .in_usage = false},
        },
    .help = "Prose.\n",
    .handler = no_handler,
};

const Command kNeedsId = {.name = "needs-id",
                          .summary = "a required option",
                          .positionals = {},
                          .options = {{.names = {"--id"}, .argument = "N", .help = "the id", .required = true}},
                          .handler = no_handler};

using Words = std::vector<std::string>;

ParsedArgs parse(const Words& args) { return parse_args(kDemo, args); }

std::string usage_error_of(const Command& command, const Words& args) {
  try {
    parse_args(command, args);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

Words completion_words(const Words& words) {
  return complete_command_line(all_commands(), words, words.size() - 1).words;
}

}  // namespace

TEST_CASE("options as --opt value and --opt=value, aliases, flags, -C, --") {
  ParsedArgs p = parse({"spec", "--order", "auto", "--count=3", "-f", "-C", "/tmp", "--", "--json"});
  CHECK(p.positionals == Words{"spec", "--json"});
  CHECK(p.value("--order") == "auto");
  CHECK(p.integer("--count", 1, 10) == 3);
  CHECK(p.has("--follow"));
  CHECK(p.has("-f"));
  CHECK_FALSE(p.has("--json"));
  CHECK(repo_dir_arg(p) == "/tmp");
  CHECK(repo_dir_arg(parse({"spec"})) == ".");
  CHECK_FALSE(p.help);
  CHECK(parse({"--help"}).help);  // no positional needed with --help
  CHECK(parse({"-h"}).help);
  CHECK(parse({"spec", "--rate", "0.5"}).number("--rate", 0.1, 10) == 0.5);
  CHECK(parse({"spec", "--count", "-1"}).value("--count") == "-1");  // a value may start with '-'
}

TEST_CASE("an undeclared option, a missing or unwanted value are UsageErrors naming the command") {
  std::string unknown = usage_error_of(kDemo, {"spec", "--nosuch"});
  CHECK(contains(unknown, "demo: unknown option '--nosuch'"));
  CHECK(contains(unknown, "usage: kiro-parallel demo <spec> [task]"));
  CHECK(contains(usage_error_of(kDemo, {"spec", "--order"}), "--order needs a value"));
  CHECK(contains(usage_error_of(kDemo, {"spec", "--json=yes"}), "--json takes no value"));
  CHECK(contains(usage_error_of(kDemo, {"--nosuch", "--help"}), "unknown option"));
  CHECK_THROWS_AS(parse({"spec", "--count", "11"}).integer("--count", 1, 10), UsageError);
  CHECK_THROWS_AS(parse({"spec", "--count", "2x"}).integer("--count", 1, 10), UsageError);
  CHECK_THROWS_AS(parse({"spec", "--rate", "0"}).number("--rate", 0.1, 10), UsageError);
  // A handler asking for an option its command does not declare is a bug.
  CHECK_THROWS_AS(parse({"spec"}).has("--nosuch"), std::logic_error);
}

TEST_CASE("positional counts and required options come from the declaration") {
  CHECK(contains(usage_error_of(kDemo, {}), "demo: missing <spec>"));
  CHECK(parse({"spec"}).positionals.size() == 1);
  CHECK(parse({"spec", "1.1"}).positionals.size() == 2);
  CHECK(contains(usage_error_of(kDemo, {"spec", "1.1", "extra"}), "unexpected argument 'extra'"));
  CHECK(contains(usage_error_of(kNeedsId, {}), "needs-id: --id is required"));
  CHECK(contains(usage_error_of(kNeedsId, {"x", "--id", "1"}), "unexpected argument 'x'"));
  CHECK(parse_args(kNeedsId, {"--id", "4"}).integer("--id", 0, 9) == 4);
  CHECK(parse_args(kNeedsId, {"--help"}).help);
  CHECK(contains(usage_error_of(kCmdAttach, {"demo"}), "attach: missing <task>"));
  CHECK(contains(usage_error_of(kCmdHook, {"x"}), "hook: unexpected argument 'x'"));
  CHECK(parse_args(kCmdMerge, {"demo"}).positionals.size() == 1);
  CHECK(parse_args(kCmdMerge, {"demo", "1.1"}).positionals.size() == 2);
}

TEST_CASE("the usage line and --help are written from the declaration") {
  CHECK(usage_line(kDemo) == "demo <spec> [task] [--json] [-f] [--order auto|strict] [--count N] [--rate S] [options]");
  CHECK(usage_line(kNeedsId) == "needs-id --id N");
  std::string help = command_help_text(kDemo);
  CHECK(help.starts_with("usage: kiro-parallel demo <spec> [task]"));
  CHECK(contains(help, "\na command to parse\n\nProse.\n"));
  CHECK(contains(help, "\n  -f, --follow  "));
  CHECK(contains(help, "\n  --order ORDER  "));
  CHECK(contains(help, "\n  -C DIR  "));
  CHECK(contains(help, "\n  -h, --help  "));
}

TEST_CASE("--help wraps long option help under its column, within 80 columns") {
  std::string help = command_help_text(kCmdStatus);
  size_t start = 0;
  while (start < help.size()) {
    size_t end = help.find('\n', start);
    if (end == std::string::npos) end = help.size();
    CHECK_MESSAGE(end - start <= 80, help.substr(start, end - start));
    start = end + 1;
  }
  CHECK(contains(help, "null = unknown"));
}

TEST_CASE("every declared option of every command is in its --help and its completions") {
  for (const Command* command : all_commands()) {
    CAPTURE(command->name);
    std::string help = command_help_text(*command);
    Words completed = completion_words({command->name, "-"});
    for (const Option* o : all_options(*command)) {
      std::string label;
      for (const std::string& name : o->names) {
        label += (label.empty() ? "" : ", ") + name;
        CHECK_MESSAGE(std::find(completed.begin(), completed.end(), name) != completed.end(), name);
      }
      if (!o->argument.empty()) label += " " + o->argument;
      CHECK_MESSAGE(contains(help, "  " + label + " "), label);
      CHECK_MESSAGE(contains(help, o->help.substr(0, o->help.find(' '))), label);
    }
    for (const Positional& p : command->positionals) CHECK(contains(usage_line(*command), " " + p.name));
    CHECK(contains(usage_error_of(*command, {"--no-such-option"}), std::string(command->name) + ": unknown option"));
  }
}

TEST_CASE("no command's prose lists an option a second time") {
  for (const Command* command : all_commands()) {
    CAPTURE(command->name);
    std::string prose = command->help;
    size_t start = 0;
    while (start < prose.size()) {
      size_t end = prose.find('\n', start);
      if (end == std::string::npos) end = prose.size();
      std::string line = prose.substr(start, end - start);
      size_t first = line.find_first_not_of(' ');
      CHECK_MESSAGE((first == std::string::npos || line[first] != '-'), line);
      start = end + 1;
    }
  }
}

TEST_CASE("choices and value kinds of the real table complete") {
  CHECK(completion_words({"analyze", "--order", ""}) == Words{"auto", "majors", "strict"});
  CHECK(completion_words({"run", "x", "--approve", "a"}) == Words{"allowlist", "all"});
  CHECK(complete_command_line(all_commands(), {"classify", "--worktree", ""}, 2).kind == CompletionCandidates::Kind::directories);
  CHECK(complete_command_line(all_commands(), {"classify", ""}, 1).kind == CompletionCandidates::Kind::files);
  CHECK(completion_words({"worker", "x", "--worker-id", ""}).empty());
}
