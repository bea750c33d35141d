// The classifier against real agent screens in ../shared/screens (read at run
// time, never copied): <agent>__<label>__<nn>.txt. Screens of agents without a
// built-in profile ("other": OpenCode, Cursor Agent, Kiro CLI) are read with
// the generic "custom" profile.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>
#include <vector>

#include "common/screen_classifier.hpp"
#include "test_support.hpp"

using namespace kp;
namespace fs = std::filesystem;

namespace {

// What a supervisor must (not) do for each label of the corpus README.
bool acceptable(const std::string& label, ScreenClass cls, bool prompt_sent) {
  if (label == "needs_input") return cls == ScreenClass::needs_input;  // must get an Enter
  if (label == "error") return cls == ScreenClass::error;              // fails the turn, never done
  // Our prompt still in the input line: Enter again once it was sent; before
  // that, typed text means "do not type" (ready with text, never done).
  if (label == "unsent") return prompt_sent ? cls == ScreenClass::unsent : cls == ScreenClass::ready;
  if (label == "needs_choice_danger" || label == "other") return cls != ScreenClass::needs_input;
  if (label == "busy") return cls == ScreenClass::busy || cls == ScreenClass::starting;
  if (label == "idle") return cls == ScreenClass::ready || cls == ScreenClass::done;
  if (label == "exited") return cls == ScreenClass::exited;
  return false;
}

// The profile for a screen: its agent's, or for "other" the CLI that SOURCES.tsv
// names when we have a profile for it (qwen-code), else the generic one.
std::map<std::string, std::string> profiles_from_sources(const fs::path& dir) {
  std::map<std::string, std::string> out;
  std::istringstream rows(test::read_text(dir / "SOURCES.tsv"));
  for (std::string row; std::getline(rows, row);) {
    std::vector<std::string> cols;
    std::istringstream cells(row);
    for (std::string c; std::getline(cells, c, '\t');) cols.push_back(c);
    if (cols.size() > 4 && cols[3] == "captured" && cols[4].rfind("qwen-code ", 0) == 0) out[cols[0]] = "qwen";
  }
  return out;
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
  const auto captured_profiles = profiles_from_sources(dir);
  for (const auto& path : files) {
    const std::string name = path.filename().string();
    const auto a = name.find("__");
    const auto b = name.find("__", a + 2);
    REQUIRE_MESSAGE((a != std::string::npos && b != std::string::npos), "unexpected file name " << name);
    const std::string agent = name.substr(0, a);
    const std::string label = name.substr(a + 2, b - a - 2);
    auto named = captured_profiles.find(name);
    const AgentProfile* profile = builtin_profile(named != captured_profiles.end() ? named->second : agent);
    if (!profile) profile = builtin_profile("custom");

    // Labels say nothing about whether the prompt was sent: both must pass.
    for (bool prompt_sent : {false, true}) {
      // The captures were made with kiro-parallel's prompt for task 1 of spec "probe".
      ClassifyContext context{prompt_sent, false, render_prompt(*profile, "probe", "1")};
      const Classification c = classify_screen(test::read_text(path), *profile, context);
      const bool right = acceptable(label, c.cls, prompt_sent);
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
