// Settings an agent must run with under kiro-parallel, given through the
// agent's "system settings" file (named by an environment variable), which
// outranks the person's own settings without touching their files.
//
// Qwen Code draws a follow-up suggestion in its input line after each turn
// (ghost text that Enter accepts and sends): a supervisor must never read it
// as typing, nor send it with an Enter. The machine's own system settings, if
// any, are kept: the file given to the agent is them with the overlay merged in.
#pragma once
#include <filesystem>
#include <string>

namespace kp {

struct SystemSettingsOverlay {
  std::string env;           // the variable that names the file, e.g. QWEN_CODE_SYSTEM_SETTINGS_PATH
  std::string machine_path;  // the agent's own default, e.g. /etc/qwen-code/settings.json
  std::string overlay_json;  // a JSON merge patch (RFC 7396)

  bool empty() const { return env.empty(); }
};

struct WrittenSystemSettings {
  std::filesystem::path path;
  std::string warning;  // the machine's file could not be used (not hidden: the caller logs it)
};

// Writes `out` whole: the machine's system settings (the file the variable
// already names in `inherited`, else machine_path; none if it does not exist)
// with the overlay merged in. Throws RuntimeError naming a file it cannot write.
WrittenSystemSettings write_system_settings(const SystemSettingsOverlay& overlay, const std::filesystem::path& out,
                                            const char* inherited);

}  // namespace kp
