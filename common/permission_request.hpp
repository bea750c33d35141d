// What an agent asks permission for, read from the two places it shows it:
// a captured screen with a permission menu (every agent) and Claude Code's
// PreToolUse hook input (exact). The answer goes to decide() in
// common/approval_policy.hpp.
#pragma once
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/agent_profile.hpp"
#include "common/approval_policy.hpp"

namespace kp {

// The request on the permission prompt at the bottom of `screen` (ANSI and box
// borders are removed here). Layouts read: Claude Code ("Bash command",
// "Create file", "Edit file", "Read file", "Fetch", "Tool use" dialogs),
// codex ("Would you like to run the following command?" with "$ cmd"),
// gemini and qwen ("? Shell cmd" / "Allow execution of ...", "? Edit path" /
// "Apply this change?"), aider ("Run shell command?" under the commands,
// "Add file to the chat?", "Create new file?") and a generic
// "Permission required ... $ cmd". Every layout is tried whatever the profile
// (a user's profile may extend any of them); the profile wins a tie.
//   nullopt: no permission prompt is shown (a trust dialog, a plain [Y/n]
//            question): the classifier's answer stands.
//   kind unknown (or an empty command or path): a permission prompt whose
//            request could not be read; decide() answers ask.
std::optional<ToolRequest> permission_request_from_screen(std::string_view screen, const AgentProfile& profile);

// Claude Code's PreToolUse (or PermissionRequest) hook input on stdin:
// {"tool_name": "Bash"|"Write"|"Edit"|"MultiEdit"|"NotebookEdit"|"Read"|"Glob"|
//  "Grep"|"LS"|"WebFetch"|"WebSearch"|"mcp__server__tool"|..., "tool_input": {...}}.
// Claude Code's own bookkeeping tools (TodoWrite, Task, AskUserQuestion,
// ExitPlanMode, ...) are kind other.
ToolRequest tool_request_from_claude_hook(const nlohmann::json& hook_input);

// The hook's answer on stdout:
// {"hookSpecificOutput": {"hookEventName": "PreToolUse",
//   "permissionDecision": "allow"|"deny"|"ask", "permissionDecisionReason": "..."}}.
// approve -> allow; ask -> ask (Claude Code shows its menu, which the screen
// path then leaves for a person); refuse -> deny with the reason (Claude is
// told why), or ask when on_refuse is ask_person. A decision on a tool of
// kind other (rule "other_tool") gives no permissionDecision at all, so
// Claude Code's own rules apply and its bookkeeping tools never prompt.
//
// For the PermissionRequest event (hook_event = "PermissionRequest", fired
// when Claude Code is about to draw its menu) the answer is
// {"hookSpecificOutput": {"hookEventName": "PermissionRequest",
//   "decision": {"behavior": "allow"|"deny", "message": "..."}}}: approve ->
// allow, refuse with on_refuse reject -> deny; anything else gives no decision
// (the menu is drawn and waits for a person).
nlohmann::json claude_hook_answer(const Decision& decision,
                                  ApprovalSettings::OnRefuse on_refuse = ApprovalSettings::reject,
                                  std::string_view hook_event = "PreToolUse");

}  // namespace kp
