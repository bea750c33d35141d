// The agent's own signals, as an append-only channel per task: the hooks of
// Claude Code and qwen (Stop, StopFailure, Notification, UserPromptSubmit;
// Claude's PreToolUse) run `kiro-parallel hook`, which appends one JSON line
// to the file named by the agent's KIRO_PARALLEL_SIGNALS; the worker's
// monitor reads what is new.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/agent_profile.hpp"

namespace kp {

// The environment variable that names a task's channel file.
inline constexpr const char* kSignalsEnv = "KIRO_PARALLEL_SIGNALS";

struct AgentSignal {
  std::string event;            // hook_event_name: "Stop", "Notification", "UserPromptSubmit", ...
  std::string transcript_path;  // Claude's session transcript (JSONL)
  std::string message;          // Notification text, a decision's reason
  std::string last_message;     // Stop/StopFailure: the agent's last words
  std::string error;            // StopFailure: "rate_limit", "server_error", "unknown", ...
  nlohmann::json raw;           // the whole line
};

// Appends `line` as one whole line (a single write under an exclusive flock).
void append_signal_line(const std::filesystem::path& file, const nlohmann::json& line);

// Reads a channel from where the last read stopped; a torn last line (a
// writer mid-write) is left for the next read.
class SignalChannel {
 public:
  explicit SignalChannel(std::filesystem::path file) : file_(std::move(file)) {}
  std::vector<AgentSignal> read_new();
  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
  std::uintmax_t offset_ = 0;
};

// The Claude Code settings JSON (for --settings) whose hooks report to the
// channel: constant command text, the paths reach the hook through the
// agent's environment (KIRO_PARALLEL_BIN, KIRO_PARALLEL_SIGNALS).
std::string claude_hook_settings_json();

// argv with Claude Code's --settings added when the profile uses hooks and
// the command runs claude itself (a simulated or wrapped agent gets none).
std::vector<std::string> with_claude_hooks(std::vector<std::string> argv);

// The hooks for an agent's system settings file, as a JSON merge patch.
std::string system_settings_hooks_json(AgentHooks route);

// How the agent is started so that its hooks report to kiro-parallel: the
// argv (claude: --settings), the system settings overlay (qwen: the profile's
// own plus the hooks), and whether hooks are on. Hooks are on only when the
// command runs the profile's own program (claude, qwen):
// a simulated or wrapped agent would never send the signals waited for.
struct HookedAgent {
  std::vector<std::string> argv;
  SystemSettingsOverlay system_settings;
  bool hooks = false;
};
HookedAgent with_agent_hooks(const AgentProfile& profile, std::vector<std::string> argv);

}  // namespace kp
