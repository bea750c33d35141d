// `hook`: what Claude Code's hooks run (kiro-parallel passes them on claude's
// command line with --settings; nothing is written into the repository). It
// reads the hook's JSON on stdin, appends one line to the task's signal
// channel (KIRO_PARALLEL_SIGNALS), and for PreToolUse answers from the
// approval policy: allow what the policy approves, and for the rest either
// show Claude's own menu (a person decides) or, with approve.on_refuse =
// "reject", deny with the reason. It never fails the agent: every error is
// reported in the channel and the hook exits 0 with no decision.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/agent_signals.hpp"
#include "common/approval_policy.hpp"
#include "common/error.hpp"
#include "common/permission_request.hpp"
#include "common/run_state.hpp"
#include "master/command.hpp"

namespace kp {

namespace {

int handler(const ParsedArgs&);

std::string env_or(const char* name, const std::string& fallback = {}) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

nlohmann::json read_settings(const std::filesystem::path& repo) {
  std::ifstream in(repo / ".kiro" / "settings" / "parallel.json");
  if (!in) return nlohmann::json::object();
  return nlohmann::json::parse(in);  // a bad file was refused by `run` already
}

// The policy's answer to a PreToolUse request, and the line for the log.
nlohmann::json answer_tool_use(const nlohmann::json& input, nlohmann::json& line) {
  const std::filesystem::path repo = env_or("KIRO_PARALLEL_REPO", ".");
  const std::string settings_path = (repo / ".kiro" / "settings" / "parallel.json").string();
  ApprovalSettings settings = parse_approval_settings(read_settings(repo), settings_path);
  if (auto mode = env_or("KIRO_PARALLEL_APPROVE"); !mode.empty()) {
    settings.mode = approval_mode_from_string(mode, "KIRO_PARALLEL_APPROVE");
  }
  PolicyContext context;
  context.worktree = env_or("KIRO_PARALLEL_WORKTREE", input.value("cwd", std::string(".")));
  for (const auto& p : settings.paths) context.extra_paths.emplace_back(p);
  const ToolRequest request = tool_request_from_claude_hook(input);
  const Decision decision = decide(request, context, settings);
  nlohmann::json answer = claude_hook_answer(decision, settings.on_refuse);
  line["decision"] = answer["hookSpecificOutput"].value("permissionDecision", "none");
  line["rule"] = decision.rule;
  line["tool"] = request.tool;
  line["what"] = request.kind == ToolRequest::shell ? request.command : request.path;
  line["message"] = fmt::format("{} {} by {}: {}", request.tool, std::string(line["decision"]), decision.rule,
                                std::string(line["what"]));
  return answer;
}

}  // namespace

const Command kCmdHook = {
    .name = "hook",
    .summary = "internal: what the agents' hooks run",
    .positionals = {},
    .options = {},
    .help = "Reads a hook's JSON (Claude Code, qwen) on stdin and appends it to the task's signal\n"
            "channel ($KIRO_PARALLEL_SIGNALS, logs/task-<id>.signals.jsonl). For PreToolUse\n"
            "it prints the approval policy's answer (allow; ask, which shows Claude's own\n"
            "menu to a person; or deny with the reason when approve.on_refuse is \"reject\").\n"
            "It takes no arguments. Always exits 0, so that a fault here never stops the agent.\n",
    .handler = handler,
    .internal = true,
};

namespace {

int handler(const ParsedArgs&) {
  const std::string channel = env_or(kSignalsEnv);
  std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  auto input = nlohmann::json::parse(text, nullptr, false);
  nlohmann::json line = {{"ts", iso8601_utc(now_epoch())}};
  nlohmann::json answer;
  if (input.is_discarded() || !input.is_object()) {
    line["event"] = "hook_error";
    line["message"] = "the hook's input is not a JSON object";
  } else {
    for (const char* key : {"hook_event_name", "session_id", "transcript_path", "cwd", "message",
                            "notification_type", "stop_hook_active", "tool_name", "prompt", "error",
                            "error_details", "last_assistant_message"}) {
      if (input.contains(key)) line[key] = input[key];
    }
    if (input.value("hook_event_name", "") == "PreToolUse") {
      try {
        answer = answer_tool_use(input, line);
      } catch (const std::exception& e) {
        line["message"] = fmt::format("no approval decision: {}", e.what());
      }
    }
  }
  if (!channel.empty()) {
    try {
      append_signal_line(channel, line);
    } catch (const std::exception&) {
      // Nowhere to report it: the monitor falls back to the screen.
    }
  }
  if (!answer.is_null()) std::cout << answer.dump() << "\n";
  return kExitOk;
}

}  // namespace

}  // namespace kp
