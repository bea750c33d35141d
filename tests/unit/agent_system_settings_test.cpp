#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "common/agent_profile.hpp"
#include "common/agent_system_settings.hpp"
#include "common/atomic_file.hpp"
#include "test_support.hpp"

using namespace kp;
using nlohmann::json;

namespace {

const SystemSettingsOverlay kNoSuggestions{"QWEN_CODE_SYSTEM_SETTINGS_PATH", "",
                                           R"({"ui": {"enableFollowupSuggestions": false}})"};

json written_json(const std::filesystem::path& p) { return json::parse(read_file(p).value()); }

}  // namespace

TEST_CASE("system settings: the overlay alone when the machine has no system settings") {
  test::TempDir dir;
  SystemSettingsOverlay o = kNoSuggestions;
  o.machine_path = (dir.path() / "absent.json").string();
  auto w = write_system_settings(o, dir.path() / "out.json", nullptr);
  CHECK(w.warning.empty());
  CHECK(written_json(w.path) == json::parse(R"({"ui": {"enableFollowupSuggestions": false}})"));
}

TEST_CASE("system settings: the machine's own settings are kept, the overlay wins where they differ") {
  test::TempDir dir;
  write_file_atomic(dir.path() / "machine.json",
                    R"({"ui": {"theme": "dark", "enableFollowupSuggestions": true}, "general": {"x": 1}})");
  SystemSettingsOverlay o = kNoSuggestions;
  o.machine_path = (dir.path() / "machine.json").string();
  auto w = write_system_settings(o, dir.path() / "out.json", nullptr);
  CHECK(w.warning.empty());
  json j = written_json(w.path);
  CHECK(j["ui"]["theme"] == "dark");
  CHECK(j["ui"]["enableFollowupSuggestions"] == false);
  CHECK(j["general"]["x"] == 1);

  SUBCASE("a file the variable already names replaces the machine default") {
    write_file_atomic(dir.path() / "mine.json", R"({"model": {"name": "m"}})");
    auto again = write_system_settings(o, dir.path() / "out.json", (dir.path() / "mine.json").c_str());
    json k = written_json(again.path);
    CHECK(k["model"]["name"] == "m");
    CHECK_FALSE(k.contains("general"));
  }
}

TEST_CASE("system settings: an unreadable machine file is said, never silently dropped") {
  test::TempDir dir;
  write_file_atomic(dir.path() / "machine.json", "{ not json");
  SystemSettingsOverlay o = kNoSuggestions;
  o.machine_path = (dir.path() / "machine.json").string();
  auto w = write_system_settings(o, dir.path() / "out.json", nullptr);
  CHECK(w.warning.find("machine.json") != std::string::npos);
  CHECK(written_json(w.path)["ui"]["enableFollowupSuggestions"] == false);
}

TEST_CASE("the qwen profile turns its follow-up suggestions off; claude needs no system settings") {
  CHECK(builtin_profile("qwen")->system_settings.env == "QWEN_CODE_SYSTEM_SETTINGS_PATH");
  CHECK(json::parse(builtin_profile("qwen")->system_settings.overlay_json)["ui"]["enableFollowupSuggestions"] == false);
  CHECK(builtin_profile("claude")->system_settings.empty());
}
