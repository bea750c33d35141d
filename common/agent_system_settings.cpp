#include "common/agent_system_settings.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "common/atomic_file.hpp"

namespace kp {

WrittenSystemSettings write_system_settings(const SystemSettingsOverlay& overlay, const std::filesystem::path& out,
                                            const char* inherited) {
  WrittenSystemSettings written{out, {}};
  std::filesystem::path machine = inherited && *inherited ? std::filesystem::path(inherited) : std::filesystem::path(overlay.machine_path);
  nlohmann::json settings = nlohmann::json::object();
  if (!machine.empty() && machine != out) {
    try {
      if (auto text = read_file(machine)) {
        settings = nlohmann::json::parse(*text, nullptr, true, /*ignore_comments=*/true);
        if (!settings.is_object()) throw std::runtime_error("not a JSON object");
      }
    } catch (const std::exception& e) {
      written.warning = fmt::format("{}: {}; the agent runs with kiro-parallel's system settings only", machine.string(),
                                    e.what());
      settings = nlohmann::json::object();
    }
  }
  settings.merge_patch(nlohmann::json::parse(overlay.overlay_json));
  write_file_atomic(out, settings.dump(2) + "\n", /*durable=*/false);
  return written;
}

}  // namespace kp
