#include <doctest/doctest.h>

#include <string>

#include "common/agent_profile.hpp"
#include "common/error.hpp"
#include "common/screen_classifier.hpp"

using namespace kp;
using nlohmann::json;

namespace {

std::string usage_message(const json& settings, std::optional<std::string> override = std::nullopt) {
  try {
    resolve_profile(settings, "/r/.kiro/settings/parallel.json", override);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

const std::string kIdleClaude =
    "────────────────────\n❯ \n────────────────────\n  ? for shortcuts\n";

}  // namespace

TEST_CASE("the built-in profiles exist, are compiled and start their agent") {
  CHECK(builtin_profile_names() == std::vector<std::string>{"claude", "codex", "gemini", "qwen", "aider", "custom"});
  for (const auto& name : builtin_profile_names()) {
    const AgentProfile* p = builtin_profile(name);
    REQUIRE(p != nullptr);
    CHECK(p->name == name);
    CHECK(p->compiled != nullptr);
    CHECK_FALSE(p->input_prompt.empty());
    CHECK(p->compiled->input_prompt.size() == p->input_prompt.size());
  }
  CHECK(builtin_profile("claude")->command == std::vector<std::string>{"claude"});
  // codex: no daemon that outlives the session, its own workspace sandbox.
  CHECK(builtin_profile("codex")->command ==
        std::vector<std::string>{"codex", "--no-daemon", "--sandbox", "workspace-write", "--ask-for-approval", "on-request"});
  CHECK(builtin_profile("qwen")->command == std::vector<std::string>{"qwen", "--approval-mode", "default"});
  CHECK(builtin_profile("nope") == nullptr);
}

TEST_CASE("render_prompt fills {spec} and {task}") {
  CHECK(render_prompt(*builtin_profile("claude"), "auth", "2.1") == "/kiro:spec-impl auth 2.1");
  AgentProfile p;
  p.prompt_template = "do {task} of {spec}; {task} again; {other} {spec";
  CHECK(render_prompt(p, "s", "1.2") == "do 1.2 of s; 1.2 again; {other} {spec");
  CHECK(render_prompt(*builtin_profile("codex"), "auth", "3").find("task 3 of the spec in .kiro/specs/auth/") !=
        std::string::npos);
}

TEST_CASE("resolve_profile: claude by default; agent.profile, then the flag, choose") {
  CHECK(resolve_profile(json::object(), "p").name == "claude");
  CHECK(resolve_profile(json(nullptr), "p").name == "claude");
  CHECK(resolve_profile(json{{"agent", {{"profile", "codex"}}}}, "p").name == "codex");
  CHECK(resolve_profile(json{{"agent", {{"profile", "codex"}}}}, "p", "aider").name == "aider");
}

TEST_CASE("resolve_profile: a built-in profile's patterns are compiled once and shared until settings change them") {
  json s = {{"agent", {{"profile", "gemini"}, {"command", {"gemini", "--yolo"}}}},
            {"profiles", {{"gemini", {{"max_lines_below_prompt", 3}}}}}};
  AgentProfile p = resolve_profile(s, "p");
  REQUIRE(p.compiled != nullptr);
  CHECK(p.compiled == builtin_profile("gemini")->compiled);  // no second compile
  json changed = {{"agent", {{"profile", "gemini"}}}, {"classifier", {{"idle", {"Ready now"}}}}};
  AgentProfile c = resolve_profile(changed, "p");
  REQUIRE(c.compiled != nullptr);
  CHECK(c.compiled != builtin_profile("gemini")->compiled);
  CHECK(c.compiled->idle.size() == builtin_profile("gemini")->idle.size() + 1);
}

TEST_CASE("resolve_profile: agent.command and agent.prompt replace the profile's") {
  json s = {{"agent", {{"profile", "custom"}, {"command", {"my-agent", "--fast"}}, {"prompt", "go {task}"}}}};
  AgentProfile p = resolve_profile(s, "p");
  CHECK(p.name == "custom");
  CHECK(p.command == std::vector<std::string>{"my-agent", "--fast"});
  CHECK(render_prompt(p, "s", "4") == "go 4");
}

TEST_CASE("resolve_profile: a list extends a pattern list, {replace} replaces it, and it takes effect") {
  const std::string screen =
      "⏺ Reading\n\n✻ Cogitating hard\n\n────────────────────\n❯ \n────────────────────\n";
  CHECK(classify_screen(screen, *builtin_profile("claude")).cls == ScreenClass::ready);

  json extend = {{"profiles", {{"claude", {{"busy", {"Cogitating"}}}}}}};
  AgentProfile p = resolve_profile(extend, "p");
  CHECK(p.busy.size() == builtin_profile("claude")->busy.size() + 1);
  CHECK(classify_screen(screen, p).cls == ScreenClass::busy);

  json replace = {{"classifier", {{"busy", {{"replace", {"Cogitating"}}}}}}};
  AgentProfile r = resolve_profile(replace, "p");
  CHECK(r.busy == std::vector<std::string>{"Cogitating"});
  CHECK(classify_screen(screen, r).cls == ScreenClass::busy);
  // The footer's "esc to interrupt" is no longer a busy cue once replaced.
  CHECK(classify_screen(kIdleClaude + "  esc to interrupt\n", r).cls != ScreenClass::busy);
}

TEST_CASE("resolve_profile: a new profile extends custom or its base, and can be chosen") {
  json s = {{"agent", {{"profile", "mine"}}},
            {"profiles",
             {{"mine", {{"extends", "codex"}, {"command", {"mine"}}, {"input_placeholder", {"^Ask me$"}}}},
              {"plain", {{"exited", {"^Bye now$"}}}}}}};
  AgentProfile mine = resolve_profile(s, "p");
  CHECK(mine.name == "mine");
  CHECK(mine.command == std::vector<std::string>{"mine"});
  CHECK(mine.input_prompt == builtin_profile("codex")->input_prompt);
  CHECK(input_line_text("› Ask me\n\n  gpt · ~/x\n", mine) == std::string());

  AgentProfile plain = resolve_profile(s, "p", std::string("plain"));
  CHECK(plain.input_prompt == builtin_profile("custom")->input_prompt);
  CHECK(classify_screen("work\nBye now\n", plain).cls == ScreenClass::exited);
}

TEST_CASE("resolve_profile: bad settings are usage errors naming the file and the key") {
  const std::string file = "/r/.kiro/settings/parallel.json";
  std::string m = usage_message(json::object(), std::string("nope"));
  CHECK(m.find(file) != std::string::npos);
  CHECK(m.find("unknown agent profile 'nope'") != std::string::npos);

  m = usage_message(json{{"agent", {{"profile", 3}}}});
  CHECK(m.find("agent.profile") != std::string::npos);

  m = usage_message(json{{"agent", {{"command", "claude --yes"}}}});
  CHECK(m.find("agent.command: expected a list of strings") != std::string::npos);

  m = usage_message(json{{"classifier", {{"busy", {"ok", 5}}}}});
  CHECK(m.find("classifier.busy: expected a list of strings") != std::string::npos);

  m = usage_message(json{{"classifier", {{"busy", {"(unclosed"}}}}});
  CHECK(m.find(file) != std::string::npos);
  CHECK(m.find("busy") != std::string::npos);
  CHECK(m.find("invalid pattern '(unclosed'") != std::string::npos);

  m = usage_message(json{{"profiles", {{"claude", {{"bussy", {"x"}}}}}}});
  CHECK(m.find("profiles.claude.bussy: unknown key") != std::string::npos);

  m = usage_message(json{{"profiles", {{"a", {{"extends", "b"}}}, {"b", {{"extends", "a"}}}}}},
                    std::string("a"));
  CHECK(m.find("circle") != std::string::npos);

  m = usage_message(json{{"profiles", {{"x", {{"extends", "ghost"}}}}}}, std::string("x"));
  CHECK(m.find("unknown agent profile 'ghost'") != std::string::npos);

  m = usage_message(json::array());
  CHECK(m.find("expected a JSON object") != std::string::npos);
}

TEST_CASE("patterns: (?i) ignores case; literal text speeds up but never changes a match") {
  AgentProfile p;
  p.busy = {"(?i)COGITATING \\(\\d+s", "Mulling\\.{3}", "x?yz", "^a|b$"};
  compile_profile(p);
  const auto& busy = p.compiled->busy;
  REQUIRE(busy.size() == 4);
  CHECK(busy[0].literal == "cogitating (");
  CHECK(pattern_matches(busy[0], "✻ Cogitating (12s · esc)"));
  CHECK_FALSE(pattern_matches(busy[0], "✻ Cogitating 12s"));
  CHECK(busy[1].literal == "Mulling");
  CHECK(pattern_matches(busy[1], "Mulling..."));
  CHECK_FALSE(pattern_matches(busy[1], "mulling..."));
  CHECK(busy[2].literal == "yz");
  CHECK(pattern_matches(busy[2], "yz"));
  CHECK(busy[3].literal.empty());  // a top-level alternative: no required text
  CHECK(pattern_matches(busy[3], "ab"));
  CHECK(pattern_matches(busy[3], "zzb"));
  CHECK_FALSE(busy[3].anchored);  // "^" binds only the first alternative
  CHECK_FALSE(pattern_matches(busy[3], "zza"));
}

TEST_CASE("profile_pattern_keys lists every pattern list") {
  const auto& keys = profile_pattern_keys();
  CHECK(keys.size() == 17);
  CHECK(keys.front() == "input_prompt");
  CHECK(std::find(keys.begin(), keys.end(), "danger_options") != keys.end());
}

TEST_CASE("resolve_profile with patterns as text: the same name, command and prompt, nothing compiled") {
  const json bad = json::parse(R"({"classifier": {"busy": ["(unclosed"]}})");
  CHECK_THROWS_AS(resolve_profile(bad, "parallel.json", std::nullopt, Patterns::as_text), UsageError);  // still checked
  const json settings = json::parse(R"({"agent": {"profile": "codex", "prompt": "do {task} of {spec}"},
                                        "classifier": {"busy": ["^Working"]}})");
  const AgentProfile shown = resolve_profile(settings, "parallel.json", std::nullopt, Patterns::as_text);
  CHECK(shown.name == "codex");
  CHECK(shown.command == builtin_profile("codex")->command);
  CHECK(shown.prompt_template == "do {task} of {spec}");
  CHECK(shown.compiled == nullptr);
  const AgentProfile plain = resolve_profile(json::object(), "parallel.json", std::nullopt, Patterns::as_text);
  CHECK(plain.name == "claude");
  CHECK(plain.compiled == nullptr);
  CHECK(resolve_profile(json::object(), "parallel.json").compiled != nullptr);
}
