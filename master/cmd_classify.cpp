// `kiro-parallel classify`: the screen classifier on a captured screen, with
// the rule and line that decided - what a person reaches for when a task sits still.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/agent_profile.hpp"
#include "common/ansi.hpp"
#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/screen_classifier.hpp"
#include "master/cli_args.hpp"
#include "master/command.hpp"

namespace kp {

namespace {

int handler(const std::vector<std::string>& args);

}  // namespace

const Command kCmdClassify = {
    "classify",
    "classify [--profile NAME] [--json] [--after-prompt] [--pane-dead] FILE|-",
    "classify a captured agent screen and say why",
    "Reads a screen capture (e.g. `tmux capture-pane -p -J -t SESSION`, or a task's\n"
    "logs/task-<id>_latest.log; '-' reads stdin; ANSI escapes are stripped) and prints\n"
    "the class the worker would see, the rule that decided and the screen line:\n"
    "  starting ready busy needs_input needs_choice done exited\n"
    "Only needs_input gets an Enter from a worker; needs_choice waits for a person.\n\n"
    "  --profile NAME   agent profile: claude (default), codex, gemini, aider, custom,\n"
    "                   or one defined in .kiro/settings/parallel.json (read from -C DIR)\n"
    "  --json           one JSON object: class, rule, line, text, profile, input\n"
    "  --after-prompt   the task prompt was already sent: an idle prompt means done\n"
    "  --pane-dead      the pane's process has ended\n",
    handler,
};

namespace {

std::string read_screen(const std::string& source) {
  if (source == "-") {
    std::ostringstream all;
    all << std::cin.rdbuf();
    return all.str();
  }
  std::error_code ec;
  if (std::filesystem::is_directory(source, ec)) {
    throw UsageError(fmt::format("classify: '{}' is a directory, not a screen capture", source));
  }
  auto text = read_file(source);
  if (!text) throw UsageError(fmt::format("classify: cannot read '{}': no such file", source));
  return *text;
}

nlohmann::json read_settings(const std::filesystem::path& path) {
  auto text = read_file(path);
  if (!text) return nlohmann::json::object();
  try {
    return nlohmann::json::parse(*text);
  } catch (const nlohmann::json::parse_error& e) {
    throw UsageError(fmt::format("{}: not valid JSON: {}", path.string(), e.what()));
  }
}

int handler(const std::vector<std::string>& args) {
  ParsedArgs parsed = parse_args(kCmdClassify, args,
                                 {{"--profile", true}, {"--json", false}, {"--after-prompt", false},
                                  {"--pane-dead", false}},
                                 1, 1);
  if (parsed.help) {
    print_command_help(kCmdClassify);
    return kExitOk;
  }
  const auto settings_path =
      std::filesystem::path(repo_dir_arg(parsed)) / ".kiro" / "settings" / "parallel.json";
  const AgentProfile profile =
      resolve_profile(read_settings(settings_path), settings_path.string(), parsed.value("--profile"));
  const std::string screen = read_screen(parsed.positionals[0]);

  ClassifyContext context;
  context.prompt_sent = parsed.has("--after-prompt");
  context.pane_dead = parsed.has("--pane-dead");
  const Classification c = classify_screen(screen, profile, context);
  const auto typed = input_line_text(screen, profile);

  if (parsed.has("--json")) {
    nlohmann::json out = {{"class", std::string(to_string(c.cls))},
                          {"rule", c.rule},
                          {"line", c.line},
                          {"text", c.text},
                          {"profile", profile.name},
                          {"input", typed ? nlohmann::json(*typed) : nlohmann::json(nullptr)}};
    // Screens hold any bytes; replace what is not UTF-8 rather than fail.
    fmt::print("{}\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return kExitOk;
  }
  fmt::print("{}\n", to_string(c.cls));
  if (c.line > 0) {
    fmt::print("  rule: {} (line {})\n  line: {}\n", c.rule, c.line, c.text);
  } else {
    fmt::print("  rule: {}\n", c.rule);
  }
  fmt::print("  profile: {}\n", profile.name);
  if (typed) fmt::print("  input line: {}\n", typed->empty() ? "(empty)" : "\"" + *typed + "\"");
  return kExitOk;
}

}  // namespace

}  // namespace kp
