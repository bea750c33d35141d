// The classifier against real agent screens in ../shared/screens (read at run
// time, never copied): <agent>__<label>__<nn>.txt. Screens of agents without a
// built-in profile ("other": OpenCode, Cursor Agent, Kiro CLI) are read with
// the generic "custom" profile.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <vector>

#include "common/screen_classifier.hpp"
#include "test_support.hpp"

using namespace kp;
namespace fs = std::filesystem;

namespace {

// What a supervisor must (not) do for each label of the corpus README.
bool acceptable(const std::string& label, ScreenClass cls) {
  if (label == "needs_input") return cls == ScreenClass::needs_input;  // must get an Enter
  if (label == "needs_choice_danger" || label == "other") return cls != ScreenClass::needs_input;
  if (label == "busy") return cls != ScreenClass::done && cls != ScreenClass::ready;
  if (label == "idle") return cls == ScreenClass::ready || cls == ScreenClass::done;
  if (label == "exited") return cls == ScreenClass::exited;
  return false;
}

}  // namespace

TEST_CASE("real agent screens from ../shared/screens are classified as labelled") {
  const fs::path dir = test::shared_dir() / "screens";
  if (!fs::is_directory(dir)) {
    MESSAGE("skipped: " << dir.string() << " is absent (the real-screen corpus lives outside the project)");
    return;
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".txt") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE_FALSE(files.empty());

  std::map<std::string, std::pair<int, int>> score;  // agent -> (right, total)
  for (const auto& path : files) {
    const std::string name = path.filename().string();
    const auto a = name.find("__");
    const auto b = name.find("__", a + 2);
    REQUIRE_MESSAGE((a != std::string::npos && b != std::string::npos), "unexpected file name " << name);
    const std::string agent = name.substr(0, a);
    const std::string label = name.substr(a + 2, b - a - 2);
    const AgentProfile* profile = builtin_profile(agent);
    if (!profile) profile = builtin_profile("custom");

    // Labels say nothing about whether the prompt was sent: both must pass.
    for (bool prompt_sent : {false, true}) {
      const Classification c = classify_screen(test::read_text(path), *profile, {prompt_sent, false});
      const bool right = acceptable(label, c.cls);
      CHECK_MESSAGE(right, name << " (" << label << ", prompt_sent=" << prompt_sent << ") read as "
                                << to_string(c.cls) << " by " << c.rule << " at line " << c.line << ": "
                                << c.text);
      if (!prompt_sent) {
        auto& [ok, total] = score[agent];
        ok += right ? 1 : 0;
        ++total;
      }
    }
  }
  int ok_all = 0, total_all = 0;
  for (const auto& [agent, s] : score) {
    MESSAGE("screens corpus, " << agent << " (profile "
                               << (builtin_profile(agent) ? agent : std::string("custom")) << "): " << s.first
                               << "/" << s.second << " right");
    ok_all += s.first;
    total_all += s.second;
  }
  MESSAGE("screens corpus, all agents: " << ok_all << "/" << total_all << " right");
}
