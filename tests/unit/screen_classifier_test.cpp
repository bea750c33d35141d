#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>

#include "common/screen_classifier.hpp"
#include "test_support.hpp"

using namespace kp;
namespace fs = std::filesystem;

namespace {

std::string rule() {
  std::string r;
  for (int i = 0; i < 60; ++i) r += "─";
  return r;
}

Classification claude(const std::string& screen, ClassifyContext context = {}) {
  return classify_screen(screen, *builtin_profile("claude"), context);
}

std::string idle_claude(const std::string& above = "") {
  return above + rule() + "\n❯ \n" + rule() + "\n  ? for shortcuts\n";
}

}  // namespace

TEST_CASE("every project fixture is classified as its file name says") {
  // tests/fixtures/screens/<profile>/<class>__NN.txt; "done" and "unsent"
  // screens are read after the prompt was sent, every other one before.
  const fs::path root = test::source_dir() / "tests" / "fixtures" / "screens";
  REQUIRE(fs::is_directory(root));
  std::map<std::string, std::set<std::string>> classes_seen;
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ".txt") continue;
    const std::string profile = entry.path().parent_path().filename().string();
    const std::string name = entry.path().filename().string();
    const std::string label = name.substr(0, name.find("__"));
    const AgentProfile* p = builtin_profile(profile);
    REQUIRE_MESSAGE(p != nullptr, "fixture folder is not a profile: " << profile);
    auto expected = screen_class_from_string(label);
    REQUIRE_MESSAGE(expected.has_value(), "fixture label is not a class: " << name);
    ClassifyContext context;
    context.prompt_sent = label == "done" || label == "unsent";
    const Classification c = classify_screen(test::read_text(entry.path()), *p, context);
    CHECK_MESSAGE(c.cls == *expected, profile << "/" << name << ": got " << to_string(c.cls) << " by "
                                              << c.rule << " at line " << c.line << ": " << c.text);
    if (c.cls != ScreenClass::starting) CHECK_MESSAGE(c.line > 0, profile << "/" << name);
    classes_seen[profile].insert(label);
    ++files;
  }
  CHECK(files >= 40);
  for (const char* cls : {"ready", "busy", "needs_input", "needs_choice", "exited"}) {
    for (const char* profile : {"claude", "codex", "gemini"}) {
      CHECK_MESSAGE(classes_seen[profile].count(cls), profile << " has no " << cls << " fixture");
    }
  }
}

TEST_CASE("to_string and screen_class_from_string name the classes") {
  for (auto c : {ScreenClass::starting, ScreenClass::ready, ScreenClass::busy, ScreenClass::needs_input,
                 ScreenClass::needs_choice, ScreenClass::done, ScreenClass::exited}) {
    CHECK(screen_class_from_string(to_string(c)) == c);
  }
  CHECK(to_string(ScreenClass::needs_choice) == "needs_choice");
  CHECK_FALSE(screen_class_from_string("idle").has_value());
}

TEST_CASE("an idle prompt is ready before the prompt is sent and done after") {
  const std::string screen = idle_claude("⏺ Finished.\n\n");
  Classification before = claude(screen);
  CHECK(before.cls == ScreenClass::ready);
  CHECK(before.rule == "input_prompt_empty");
  CHECK(before.line == 4);
  CHECK(claude(screen, {true, false}).cls == ScreenClass::done);
}

TEST_CASE("a dead pane is exited whatever it shows; a blank one is starting") {
  Classification dead = claude(idle_claude(), {false, true});
  CHECK(dead.cls == ScreenClass::exited);
  CHECK(dead.rule == "pane_dead");
  CHECK(dead.line == 0);
  Classification blank = claude("\n  \n\n");
  CHECK(blank.cls == ScreenClass::starting);
  CHECK(blank.rule == "blank_screen");
}

TEST_CASE("the classification names the rule and the 1-based line that decided") {
  const std::string screen = "⏺ Bash(make)\n" + rule() + "\n Do you want to proceed?\n ❯ 1. Yes\n   2. No\n\n";
  Classification c = claude(screen);
  CHECK(c.cls == ScreenClass::needs_input);
  CHECK(c.rule == "menu_cursor_on_safe");
  CHECK(c.line == 4);
  CHECK(c.text == " ❯ 1. Yes");
}

TEST_CASE("the option under the cursor decides whether Enter is safe") {
  const std::string head = rule() + "\n Do you want to proceed?\n";
  CHECK(claude(head + " ❯ 1. Yes\n   2. No\n").cls == ScreenClass::needs_input);
  CHECK(claude(head + "   1. Yes\n ❯ 2. No\n").cls == ScreenClass::needs_choice);
  CHECK(claude(head + "   1. Yes\n ❯ 2. Yes, and don't ask again\n   3. No\n").cls == ScreenClass::needs_choice);
  // An answer the model asked for is a person's choice even on option 1.
  CHECK(claude(head + " ❯ 1. Blue\n   2. Green\n").cls == ScreenClass::needs_choice);
  // A dialog about a spent quota is never Enter-ed, whatever option 1 says.
  CHECK(claude(rule() + "\n Usage limit reached for today.\n ❯ 1. Yes, retry\n   2. Stop\n").cls ==
        ScreenClass::needs_choice);
}

TEST_CASE("a menu in old output above the live prompt is history, not a question") {
  const std::string stale =
      "Do you trust the files in this folder?\n ❯ 1. Yes, proceed\n   2. No, exit\n\n⏺ Reading files\n\n";
  Classification c = claude(idle_claude(stale));
  CHECK(c.cls == ScreenClass::ready);
  // Output written under a menu without a prompt also makes it history.
  CHECK(claude(" ❯ 1. Yes\n   2. No\n⏺ Ran the command\n").cls != ScreenClass::needs_input);
}

TEST_CASE("a spinner counts only where the agent draws it now") {
  const std::string spinner = "✻ Working… (3s · esc to interrupt)\n\n";
  CHECK(claude(idle_claude(spinner)).cls == ScreenClass::busy);
  std::string far = spinner;
  for (int i = 0; i < 12; ++i) far += "⏺ step " + std::to_string(i) + "\n";
  Classification c = claude(idle_claude(far));
  CHECK(c.cls == ScreenClass::ready);
  // "esc to interrupt" in the footer under the prompt counts.
  CHECK(claude(rule() + "\n❯ \n" + rule() + "\n  esc to interrupt\n").cls == ScreenClass::busy);
}

TEST_CASE("y/n questions: default yes gets an Enter, default no and no default do not") {
  CHECK(claude("Overwrite the file? [Y/n] \n").cls == ScreenClass::needs_input);
  CHECK(claude("Overwrite the file? [y/N] \n").cls == ScreenClass::needs_choice);
  CHECK(claude("Overwrite the file? (y/n) \n").cls == ScreenClass::needs_choice);
  CHECK(claude("Press Enter to continue…\n").cls == ScreenClass::needs_input);
  // An answered question above the prompt is history.
  CHECK(classify_screen("Run it? (Y)es/(N)o [Yes]: y\nDone.\n> \n", *builtin_profile("aider")).cls ==
        ScreenClass::ready);
}

TEST_CASE("a shell prompt means exited only as the last line") {
  CHECK(claude("⏺ Done\nuser@host:~/repo$ \n").cls == ScreenClass::exited);
  CHECK(claude("user@host:~/repo$ claude\n\n╭───────╮\n│ Claude Code │\n╰───────╯\n").cls ==
        ScreenClass::starting);
}

TEST_CASE("input_line_text: typed text, empty, placeholder, or no prompt at all") {
  const AgentProfile& p = *builtin_profile("claude");
  const std::string r = rule();
  CHECK(input_line_text(r + "\n❯ \n" + r + "\n", p) == std::string());
  CHECK(input_line_text(r + "\n❯\u00a0\n" + r + "\n", p) == std::string());
  CHECK(input_line_text(r + "\n❯ /kiro:spec-impl demo 1.1\n" + r + "\n", p) ==
        std::string("/kiro:spec-impl demo 1.1"));
  CHECK(input_line_text(r + "\n❯\u00a0Try \"fix lint errors\"\n" + r + "\n", p) == std::string());
  CHECK(input_line_text(r + "\n> hello\n" + r + "\n", p) == std::string("hello"));
  CHECK_FALSE(input_line_text("❯ please do it\n\n⏺ Done\n", p).has_value());  // an echo, not the input line
  CHECK_FALSE(input_line_text("", p).has_value());
  CHECK(input_line_text(" * █ Type your message or @path/to/file\n workspace\n", *builtin_profile("gemini")) ==
        std::string());
  CHECK(input_line_text("> do 4\n", *builtin_profile("aider")) == std::string("do 4"));
}

TEST_CASE("ANSI colours in the capture do not change the answer") {
  const std::string r = "\x1b[2m" + rule() + "\x1b[0m";
  const std::string screen = "\x1b[38;5;174m✻\x1b[0m Working… (\x1b[1m3s\x1b[0m · esc to interrupt)\n" + r +
                             "\n\x1b[1m❯\x1b[0m \n" + r + "\n";
  CHECK(claude(screen).cls == ScreenClass::busy);
}

TEST_CASE("only the bottom of a long capture is read") {
  std::string screen = rule() + "\n Do you want to proceed?\n ❯ 1. Yes\n   2. No\n";
  for (int i = 0; i < 200; ++i) screen += "\n";  // trailing blank rows are skipped
  CHECK(claude(screen).cls == ScreenClass::needs_input);
  std::string old_menu = screen;
  for (int i = 0; i < 100; ++i) old_menu += "output line " + std::to_string(i) + "\n";
  CHECK(claude(old_menu).cls == ScreenClass::starting);
}

TEST_CASE("a hand-built profile without compiled patterns still works") {
  AgentProfile p = *builtin_profile("claude");
  p.compiled.reset();
  CHECK(classify_screen(idle_claude(), p).cls == ScreenClass::ready);
  CHECK(input_line_text(idle_claude(), p) == std::string());
}

TEST_CASE("classify_screen speed on a 200x50 screen (measured, not asserted)") {
  std::string screen;
  for (int i = 0; i < 44; ++i) {
    std::string line = "⏺ line " + std::to_string(i) + " ";
    while (line.size() < 200) line += "lorem ipsum dolor ";
    screen += line.substr(0, 200) + "\n";
  }
  screen += idle_claude("✻ Working… (3s · esc to interrupt)\n\n");
  const AgentProfile& p = *builtin_profile("claude");
  constexpr int kRounds = 200;
  int busy = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) busy += classify_screen(screen, p).cls == ScreenClass::busy;
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(busy == kRounds);
  const double us = std::chrono::duration<double, std::micro>(elapsed).count() / kRounds;
  MESSAGE("classify_screen on a 200x50 screen: " << us << " us per call");
}
