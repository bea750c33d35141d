// The built-in agent profiles, written from real captures of each agent's
// screens (see tests/fixtures/screens/). Patterns are matched per line with box
// borders removed; non-ASCII alternatives are written as (?:a|b), never [ab].
#include <map>
#include <mutex>

#include "common/agent_profile.hpp"

namespace kp {

namespace {

// What most terminal agents share: numbered menus with a cursor glyph, y/n
// questions, dialog footers, shell prompts.
AgentProfile shared_base() {
  AgentProfile p;
  p.menu_cursor = {
      R"(^\s*(?:❯|›|●|▶|▸|→|>)\s*(\d+)[.)]\s+(\S.*)$)",  // "❯ 1. Yes", "› 2. Skip", "● 1. Allow once"
      R"(^\s*(?:❯|›|●|▶|▸)\s+()(\S.*)$)",                // "❯ No, exit" (needs siblings and a hint)
  };
  p.safe_options = {
      R"(^(?:Yes|Allow once|Allow|Approve once|Proceed|Continue|OK|Trust folder|Trust this folder)\b)",
      R"(^Trust and continue\b)",
  };
  p.danger_options = {
      R"((?i)don'?t ask again|\balways\b|automatically|all edits|allow all|for this session|all future)",
      R"((?i)\bno\b|\bexit\b|\bquit\b|reject|\bdeny\b|cancel|\bskip\b|update now|keep trying|bypass)",
      R"((?i)type here|type something|what to do differently|trust all|yolo|chat about this)",
  };
  p.danger_context = {
      R"((?i)usage limit reached|rate limit reached|quota exceeded|update available|analytics|telemetry)",
      R"((?i)bypass permissions mode|trust all tools)",
  };
  p.safe_prompts = {
      R"(\[Y/n\]\s*:?\s*$)",
      R"(\(Y/n\)\s*:?\s*$)",
      R"(\[Yes\]\s*:?\s*$)",
      R"((?i)press enter to continue)",
  };
  p.choice_prompts = {
      R"(\[y/N\]\s*:?\s*$)",
      R"(\(y/N\)\s*:?\s*$)",
      R"(\[No\]\s*:?\s*$)",
      R"(\(y/n\)\s*:?\s*$)",
      R"(\[y/n\]\s*:?\s*$)",
      R"((?i)\banalytics\b.*\?)",
      R"((?i)\btelemetry\b.*\?)",
      R"((?i)\bpaste (?:the |your )?(?:code|token|key)\b)",
      R"((?i)\benter (?:your |the )?(?:api key|token|password|passphrase|code)\b)",
      R"((?i)\btype (?:your |the )?(?:api key|token|password|passphrase|code)\b)",
      R"((?i)password\s*:\s*$)",
  };
  p.dialog_hints = {
      R"((?i)\besc to (?:cancel|go back)\b)",
      R"((?i)\benter to (?:confirm|select|submit)\b)",
      R"((?i)press enter to (?:confirm|continue))",
      R"((?i)\bto navigate\b)",
      "↑/↓", "↑↓", "⇆ select", "↵ to select",
  };
  p.shell_prompt = {
      R"(^[\w.+-]+@[\w.-]+[: ].*?[$%#](?: .*)?$)",   // user@host:~/dir$ , user@host ~ %
      R"(^\[[\w.+-]+@[\w.-]+ [^\]]*\][$#](?: .*)?$)",  // [user@host dir]$
  };
  p.exited = {
      R"((?i)^\s*(?:goodbye|bye)!?\s*$)",
      R"(^Pane is dead \(status)",  // tmux remain-on-exit: the agent's process ended
  };
  // Errors most agents print the same way; each profile adds its own layout.
  p.error = {
      R"((?i)\bAPI Error\b)",
      R"((?i)^\W{0,8}Unknown (?:command|skill)\b)",
      R"((?i)\b(?:rate limit|usage limit|quota) (?:reached|exceeded)\b)",
      R"((?i)\bexceeded retry limit\b)",
  };
  p.error_transient = {
      R"((?i)\b(?:429|5\d\d)\b)",
      R"((?i)overloaded|rate limit|too many requests|timed? ?out|retry limit|temporarily|unavailable)",
  };
  return p;
}

void append(std::vector<std::string>& to, std::initializer_list<const char*> more) {
  for (const char* m : more) to.emplace_back(m);
}

const char* const kGenericPrompt =
    "Implement task {task} of the spec in .kiro/specs/{spec}/ (read requirements.md, design.md and "
    "tasks.md there). Work only on that task. When it is complete, mark it [x] in tasks.md.";

AgentProfile claude() {
  AgentProfile p = shared_base();
  p.name = "claude";
  p.command = {"claude"};
  p.prompt_template = "/kiro:spec-impl {spec} {task}";
  // The composer: "❯ " or "> " between two rules (or in a ╭─╮ box, whose
  // borders are removed before matching).
  p.input_prompt = {R"(^(?:❯|>)(?:\s(.*))?$)"};
  p.prompt_between_rules = true;
  p.max_lines_below_prompt = 4;
  p.live_lines_above_prompt = 2;
  p.input_placeholder = {R"(^Try ".*"$)", R"(^Press up to edit queued messages$)"};
  p.busy = {R"((?i)\besc to interrupt\b)", R"((?i)\bctrl\+c to interrupt\b)"};
  append(p.exited, {R"(^Resume this session with:)", R"(^\s*claude (?:--resume|-r) \S+\s*$)"});
  p.completion = {R"(^(?:✻|✳|✶|✽|✢|·|\*) (?:Worked|[A-Z][a-z]+ed) for \d)"};
  p.idle = {R"(\? for shortcuts)"};
  append(p.choice_prompts, {R"((?i)paste code here)"});
  // "⎿  API Error: 400 …", "● Unknown command: /kiro:spec-impl", "Not logged in · Please run /login"
  // (also at the right of the footer), "Credit balance is too low", "Invalid API key".
  append(p.error, {R"((?i)^\W{0,8}Not logged in\b)", R"((?i)Not logged in · (?:Please )?run /login)",
                   R"((?i)^\W{0,8}Args from unknown skill\b)", R"((?i)^\W{0,8}Credit balance is too low)",
                   R"((?i)^\W{0,8}Invalid API key\b)", R"((?i)^\W{0,8}OAuth token has expired)",
                   R"((?i)^\W{0,8}Prompt is too long)", R"((?i)^\W{0,8}Request timed out)"});
  // The theme picker's ✔ marks the live default; on "Yes, I trust this folder ✔"
  // it marks the answer just given (the dialog's last frame).
  append(p.safe_options, {R"(^(?:Dark|Light) mode\b)", R"(^Auto \(match terminal\))"});
  p.answered_options = {R"(^Yes\b.*✔\s*$)"};
  // AskUserQuestion ("☐ Question" tabs) asks a person; the fullscreen-renderer
  // offer would move claude to the alternate screen.
  append(p.danger_context, {R"(^\s*☐ )", R"((?i)fullscreen renderer)"});
  append(p.input_placeholder, {R"(^Resend your message to try again$)"});
  p.hooks = AgentHooks::claude_flag;
  p.ready_settle_ms = 300;
  return p;
}

AgentProfile codex() {
  AgentProfile p = shared_base();
  p.name = "codex";
  // No background daemon (it would outlive the session and keep working);
  // its own workspace sandbox, asking only for what leaves it.
  p.command = {"codex", "--no-daemon", "--sandbox", "workspace-write", "--ask-for-approval", "on-request"};
  p.prompt_template = kGenericPrompt;
  p.input_prompt = {R"(^›(?:\s(.*))?$)"};
  p.max_lines_below_prompt = 2;  // 0.171: a status row and a hint row; "› text" with more under it is history
  p.live_lines_above_prompt = 1;
  p.open_turn_is_busy = true;
  p.ready_settle_ms = 1500;      // the trust dialog replaces the composer 0.2-0.9 s after it appears
  p.enter_delay_ms = 100;        // an Enter within ~20 ms of the text becomes a newline
  p.input_placeholder = {
      R"(^(?:Use /skills to list available skills|Explain this codebase|Summarize recent commits)$)",
      R"(^(?:Implement \{feature\}|Find and fix a bug in @filename|Write tests for @filename)$)",
      R"(^(?:Improve documentation in @filename|Run /review on my current changes)$)",
      R"(^Ask Codex to do anything$)",
  };
  p.busy = {R"((?i)\besc to interrupt\b)", R"(^(?:•|◦) Working \()"};
  append(p.exited, {R"(To continue this session, run codex resume)", R"(^Token usage(?: so far)?: total=)",
                    R"(Disconnected from this task)"});
  p.completion = {R"(^\s*(?:─ )?Worked for <?\d)"};  // "Worked for 2s", "Worked for <1s"
  p.idle = {R"(^\s{2}\S+(?: \S+)? · (?:~|/))"};  // "  gpt-5.5 high · ~/repo" status line
  append(p.error, {R"(^■ )", R"((?i)^\W{0,8}stream (?:error|disconnected))",
                   R"((?i)unexpected status \d{3})"});
  return p;
}

AgentProfile gemini() {
  AgentProfile p = shared_base();
  p.name = "gemini";
  p.command = {"gemini"};
  p.prompt_template = kGenericPrompt;
  p.input_prompt = {R"(^\s*(?:>|\*)(?:\s+(.*))?$)"};
  p.max_lines_below_prompt = 3;
  p.live_lines_above_prompt = 2;
  p.input_placeholder = {R"(^Type your message or @path/to/file$)"};
  p.busy = {R"((?i)\(esc to cancel, \d)", R"((?i)\besc to interrupt\b)"};
  append(p.exited, {R"(Agent powering down\. Goodbye!)", R"(To resume this session: gemini --resume)"});
  append(p.safe_options, {R"(^Trust folder\b)"});
  append(p.error, {R"(^\s*✕ )", R"((?i)^\W{0,8}This request failed\b)"});
  p.ready_settle_ms = 1500;  // prompts typed while "Initializing..." can be lost
  p.enter_delay_ms = 300;    // text followed at once by Enter was never submitted
  // "ℹ Initializing... Prompts will be queued." means not ready yet.
  append(p.busy, {R"((?i)Initializing\.\.\.)"});
  // No hooks: gemini reads a system settings file only when it and every
  // folder above it are root's and not group/other-writable (a user's
  // repository never is), and it has no flag for them.
  return p;
}

// Qwen Code 0.24: ">   Type your message or @path/to/file" between rules, two
// status rows under it; busy "(2s · ↓ 7 tokens · esc to cancel)".
AgentProfile qwen() {
  AgentProfile p = shared_base();
  p.name = "qwen";
  // Its default "auto" mode sends every tool call to the model for judgement.
  p.command = {"qwen", "--approval-mode", "default"};
  p.prompt_template = kGenericPrompt;
  p.input_prompt = {R"(^\s*>(?:\s+(.*))?$)"};
  p.prompt_between_rules = true;
  p.max_lines_below_prompt = 3;
  p.live_lines_above_prompt = 2;
  p.input_placeholder = {R"(^Type your message or @path/to/file$)"};
  p.busy = {R"((?i)\besc to cancel\b)", R"((?i)\besc to interrupt\b)"};
  append(p.exited, {R"(Agent powering down\. Goodbye!)", R"(To resume this session:)",
                    R"(^To continue this session, run)", R"(^\s*qwen --resume \S+\s*$)"});
  append(p.error, {R"(^\s*✕ )"});
  p.idle = {R"((?i)\(shift \+ tab to cycle\))"};
  append(p.busy, {R"((?i)Initializing\.\.\.)"});  // text typed then is lost (~4 s)
  // "? AskUserQuestion Ask user 1 question": a question for a person.
  append(p.danger_context, {R"(\bAskUserQuestion\b)", R"((?i)^\s*Question\s*$)"});
  p.ready_settle_ms = 1500;
  p.enter_delay_ms = 200;
  // After a turn it writes a suggested next prompt into the input line, which
  // reads as typing and which an Enter would send: off.
  p.system_settings = {"QWEN_CODE_SYSTEM_SETTINGS_PATH", "/etc/qwen-code/settings.json",
                       R"({"ui": {"enableFollowupSuggestions": false}})"};
  p.hooks = AgentHooks::qwen_system_settings;
  return p;
}

AgentProfile aider() {
  AgentProfile p = shared_base();
  p.name = "aider";
  p.command = {"aider"};
  p.prompt_template = kGenericPrompt;
  // "> ", "architect> ", "ask> ", "multi> " on the last line.
  p.input_prompt = {R"(^(?:\w+)?>(?:\s(.*))?$)"};
  p.max_lines_below_prompt = 0;
  p.live_lines_above_prompt = 1;
  p.busy = {R"(^\S*\s*Waiting for \S+)", R"((?i)\bctrl\+c to (?:interrupt|stop)\b)"};
  return p;
}

// For agents without a profile of their own: the cues most agents share.
AgentProfile custom() {
  AgentProfile p = shared_base();
  p.name = "custom";
  p.prompt_template = kGenericPrompt;
  p.input_prompt = {R"(^\s*(?:❯|>|›|→)(?:\s(.*))?$)"};
  p.max_lines_below_prompt = 2;
  p.live_lines_above_prompt = 1;
  p.input_placeholder = {R"(^Try ".*"$)", R"(^Add a follow-up$)", R"(^Type your message.*$)",
                         R"(^Use /skills to list available skills$)"};
  p.busy = {R"((?i)\besc (?:to )?interrupt\b)", R"((?i)\(esc to cancel)",
            R"((?i)\bctrl\+c to (?:interrupt|stop|cancel)\b)"};
  // OpenCode's permission row: "Allow once" is the first, selected button.
  p.safe_prompts.emplace_back(R"(^\s*Allow once\s{2,}Allow always\b)");
  append(p.exited, {R"(^Resume this session with:)", R"(To continue this session, run)",
                    R"(To resume this session:)"});
  p.completion = {R"(^(?:✻|✳|─) Worked for \d)"};
  p.idle = {R"(\? for shortcuts)"};
  return p;
}

// Built-in profiles, each compiled on first use (once, thread-safe): a command
// that needs one profile (analyze, run) does not pay for the regexes of all six.
struct BuiltinEntry {
  AgentProfile source;   // as written: never changed after the map is built
  AgentProfile profile;  // the same, compiled on first use
  std::once_flag compiled;
};

std::map<std::string, BuiltinEntry, std::less<>>& builtins() {
  static std::map<std::string, BuiltinEntry, std::less<>> profiles = [] {
    std::map<std::string, BuiltinEntry, std::less<>> m;
    for (AgentProfile p : {claude(), codex(), gemini(), qwen(), aider(), custom()}) {
      std::string name = p.name;
      m[name].source = p;
      m[name].profile = std::move(p);
    }
    return m;
  }();
  return profiles;
}

}  // namespace

const AgentProfile* builtin_profile(std::string_view name, Patterns patterns) {
  auto it = builtins().find(name);
  if (it == builtins().end()) return nullptr;
  BuiltinEntry& entry = it->second;
  if (patterns == Patterns::as_text) return &entry.source;
  std::call_once(entry.compiled, [&] { compile_profile(entry.profile, "built-in profile " + entry.profile.name); });
  return &entry.profile;
}

std::vector<std::string> builtin_profile_names() {
  return {"claude", "codex", "gemini", "qwen", "aider", "custom"};
}

}  // namespace kp
