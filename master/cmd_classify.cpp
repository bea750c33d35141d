// `kiro-parallel classify`: the screen classifier on a captured screen, with
// the rule and line that decided - what a person reaches for when a task sits still.
// A permission menu is judged by the approval policy too, as a worker would.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/agent_profile.hpp"
#include "common/ansi.hpp"
#include "common/approval_policy.hpp"
#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/permission_request.hpp"
#include "common/screen_classifier.hpp"
#include "master/cli_args.hpp"
#include "master/command.hpp"

namespace kp {

namespace {

int handler(const ParsedArgs& parsed);

}  // namespace

const Command kCmdClassify = {
    .name = "classify",
    .summary = "classify a captured agent screen and say why",
    .positionals = {{"FILE|-", PositionalKind::file}},
    .options =
        {
            {{"--profile"},
             "NAME",
             "agent profile: claude (default), codex, gemini, aider, custom, or one defined in "
             ".kiro/settings/parallel.json (read from -C DIR)",
             ValueKind::profile},
            {{"--worktree"},
             "DIR",
             "the task's worktree the policy judges paths against (default: the current folder)",
             ValueKind::directory},
            {{"--approve"},
             "MODE",
             "policy (default, or approve.mode from the settings), allowlist, all or none",
             ValueKind::text,
             {"policy", "allowlist", "all", "none"}},
            {{"--json"},
             "",
             "one JSON object: class, rule, line, text, profile, input and, for a permission menu, "
             "approval {verdict, rule, reason, kind, tool, command, path}"},
            {{"--after-prompt"}, "", "the task prompt was already sent: an idle prompt means done"},
            {{"--pane-dead"}, "", "the pane's process has ended"},
        },
    .help = "Reads a screen capture (e.g. `tmux capture-pane -p -J -t SESSION`, or a task's\n"
            "logs/task-<id>_latest.log; '-' reads stdin; ANSI escapes are stripped) and prints\n"
            "the class the worker would see, the rule that decided and the screen line:\n"
            "  starting ready busy needs_input needs_choice done exited\n"
            "Only needs_input gets an Enter from a worker; needs_choice waits for a person.\n"
            "A permission menu the classifier would answer (needs_input) is judged by the\n"
            "approval policy for the worktree (see \"Approval policy\" in the README): it stays\n"
            "needs_input only when the policy approves; otherwise it is needs_choice, with the\n"
            "rule policy_refuse:RULE or policy_ask:RULE, and the request and reason are shown.\n",
    .handler = handler,
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

// The policy's view of a menu the classifier would answer with Enter.
struct Approval {
  ToolRequest request;
  Decision decision;
};

std::optional<Approval> judge_menu(const std::string& screen, const AgentProfile& profile,
                                   const ApprovalSettings& approve, const ParsedArgs& parsed) {
  auto request = permission_request_from_screen(screen, profile);
  if (!request) return std::nullopt;
  PolicyContext context;
  std::error_code ec;
  context.worktree = parsed.value("--worktree") ? std::filesystem::absolute(*parsed.value("--worktree"), ec)
                                                : std::filesystem::current_path(ec);
  return Approval{*request, decide(*request, context, approve)};
}

nlohmann::json approval_json(const Approval& a) {
  return {{"verdict", std::string(to_string(a.decision.verdict))},
          {"rule", a.decision.rule},
          {"reason", a.decision.reason},
          {"kind", std::string(to_string(a.request.kind))},
          {"tool", a.request.tool},
          {"command", a.request.command},
          {"path", a.request.path}};
}

void print_text(const Classification& c, const std::optional<Approval>& approval, const AgentProfile& profile,
                const std::optional<std::string>& typed) {
  fmt::print("{}\n", to_string(c.cls));
  if (c.line > 0) {
    fmt::print("  rule: {} (line {})\n  line: {}\n", c.rule, c.line, c.text);
  } else {
    fmt::print("  rule: {}\n", c.rule);
  }
  if (approval) {
    const ToolRequest& r = approval->request;
    std::string what = r.kind == ToolRequest::shell ? r.command : r.path;
    for (size_t at; (at = what.find('\n')) != std::string::npos;) what.replace(at, 1, " ↵ ");
    fmt::print("  request: {} {}{}\n", to_string(r.kind), r.tool.empty() ? "" : r.tool + ": ", what);
    fmt::print("  approval: {} by {}: {}\n", to_string(approval->decision.verdict), approval->decision.rule,
               approval->decision.reason);
  }
  fmt::print("  profile: {}\n", profile.name);
  if (typed) fmt::print("  input line: {}\n", typed->empty() ? "(empty)" : "\"" + *typed + "\"");
}

int handler(const ParsedArgs& parsed) {
  const auto settings_path =
      std::filesystem::path(repo_dir_arg(parsed)) / ".kiro" / "settings" / "parallel.json";
  const nlohmann::json settings = read_settings(settings_path);
  const AgentProfile profile = resolve_profile(settings, settings_path.string(), parsed.value("--profile"));
  ApprovalSettings approve = parse_approval_settings(settings, settings_path.string());
  if (auto mode = parsed.value("--approve")) approve.mode = approval_mode_from_string(*mode, "classify --approve");
  const std::string screen = read_screen(parsed.positionals[0]);

  ClassifyContext context;
  context.prompt_sent = parsed.has("--after-prompt");
  context.pane_dead = parsed.has("--pane-dead");
  Classification c = classify_screen(screen, profile, context);
  const auto typed = input_line_text(screen, profile);
  std::optional<Approval> approval;
  if (c.cls == ScreenClass::needs_input) {
    approval = judge_menu(screen, profile, approve, parsed);
    if (approval && approval->decision.verdict != Decision::approve) {
      c.cls = ScreenClass::needs_choice;
      c.rule = fmt::format("policy_{}:{}", to_string(approval->decision.verdict), approval->decision.rule);
    }
  }

  if (parsed.has("--json")) {
    nlohmann::json out = {{"class", std::string(to_string(c.cls))},
                          {"rule", c.rule},
                          {"line", c.line},
                          {"text", c.text},
                          {"profile", profile.name},
                          {"input", typed ? nlohmann::json(*typed) : nlohmann::json(nullptr)}};
    if (approval) out["approval"] = approval_json(*approval);
    // Screens hold any bytes; replace what is not UTF-8 rather than fail.
    fmt::print("{}\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return kExitOk;
  }
  print_text(c, approval, profile, typed);
  return kExitOk;
}

}  // namespace

}  // namespace kp
