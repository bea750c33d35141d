#include "common/agent_signals.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fstream>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace kp {

namespace fs = std::filesystem;

void append_signal_line(const fs::path& file, const nlohmann::json& line) {
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!fd) throw RuntimeError(file.string() + ": cannot open the signal channel");
  ::flock(fd.get(), LOCK_EX);  // released when fd closes
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(fd.get(), p, left);
    if (n < 0) throw RuntimeError(file.string() + ": cannot write the signal channel");
    p += n;
    left -= static_cast<size_t>(n);
  }
  ::fsync(fd.get());
}

std::vector<AgentSignal> SignalChannel::read_new() {
  std::vector<AgentSignal> out;
  std::error_code ec;
  const auto size = fs::file_size(file_, ec);
  if (ec || size <= offset_) return out;
  std::ifstream in(file_, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset_));
  std::string chunk(size - offset_, '\0');
  in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  chunk.resize(static_cast<size_t>(in.gcount()));
  size_t start = 0;
  for (size_t nl; (nl = chunk.find('\n', start)) != std::string::npos; start = nl + 1) {
    auto j = nlohmann::json::parse(chunk.substr(start, nl - start), nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    AgentSignal s;
    s.event = j.value("hook_event_name", j.value("event", std::string()));
    s.transcript_path = j.value("transcript_path", std::string());
    s.message = j.value("message", std::string());
    s.last_message = j.value("last_assistant_message", std::string());

    s.error = j.value("error", std::string());
    s.raw = std::move(j);
    out.push_back(std::move(s));
  }
  offset_ += start;
  return out;
}

std::string claude_hook_settings_json() {
  // Claude Code runs a hook's command through a shell: the text is constant,
  // the paths come from the environment kiro-parallel gave the agent.
  const nlohmann::json hook = {{"type", "command"}, {"command", "\"$KIRO_PARALLEL_BIN\" hook"}};
  const nlohmann::json plain = nlohmann::json::array({{{"hooks", {hook}}}});
  const nlohmann::json any_tool = nlohmann::json::array({{{"matcher", "*"}, {"hooks", {hook}}}});
  nlohmann::json settings = {{"hooks",
                              {{"Stop", plain},
                               {"StopFailure", plain},  // a turn that ended in an API error
                               {"Notification", plain},
                               {"UserPromptSubmit", plain},
                               {"SessionStart", plain},
                               {"PreToolUse", any_tool}}}};
  return settings.dump();
}

std::string system_settings_hooks_json(AgentHooks route) {
  const nlohmann::json hook = {{"type", "command"}, {"command", "\"$KIRO_PARALLEL_BIN\" hook"}};
  const nlohmann::json plain = nlohmann::json::array({{{"hooks", {hook}}}});
  switch (route) {
    case AgentHooks::qwen_system_settings:
      // Claude's format; approvals stay on the screen path (qwen's own menu).
      return nlohmann::json{{"hooks",
                             {{"Stop", plain},
                              {"StopFailure", plain},
                              {"Notification", plain},
                              {"UserPromptSubmit", plain}}}}
          .dump();
    default: return "{}";
  }
}

namespace {
const char* hooked_program(AgentHooks route) {
  switch (route) {
    case AgentHooks::claude_flag: return "claude";
    case AgentHooks::qwen_system_settings: return "qwen";
    default: return nullptr;
  }
}
}  // namespace

HookedAgent with_agent_hooks(const AgentProfile& profile, std::vector<std::string> argv) {
  HookedAgent a{std::move(argv), profile.system_settings, false};
  const char* program = hooked_program(profile.hooks);
  if (!program || a.argv.empty() || fs::path(a.argv[0]).filename() != program) return a;
  a.hooks = true;
  if (profile.hooks == AgentHooks::claude_flag) {
    a.argv = with_claude_hooks(std::move(a.argv));
    return a;
  }
  nlohmann::json overlay = a.system_settings.overlay_json.empty() ? nlohmann::json::object()
                                                                  : nlohmann::json::parse(a.system_settings.overlay_json);
  overlay.merge_patch(nlohmann::json::parse(system_settings_hooks_json(profile.hooks)));
  a.system_settings.overlay_json = overlay.dump();
  return a;
}

std::vector<std::string> with_claude_hooks(std::vector<std::string> argv) {
  if (argv.empty() || fs::path(argv[0]).filename() != "claude") return argv;
  argv.insert(argv.begin() + 1, {"--settings", claude_hook_settings_json()});
  return argv;
}

}  // namespace kp
