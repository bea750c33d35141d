// The evidence rules: what completion.require accepts, and that the marker
// the prompt asks for cannot be satisfied by the prompt's own echo.
#include <doctest/doctest.h>

#include <fstream>

#include "common/agent_signals.hpp"
#include "common/claude_transcript.hpp"
#include "common/error.hpp"
#include "common/task_evidence.hpp"
#include "test_support.hpp"

using namespace kp;

TEST_CASE("completion.require: auto is the strongest the agent gives; lists need every kind") {
  const auto none = nlohmann::json::object();
  CHECK(completion_requirement(none, "p.json", true) == std::vector{Evidence::signal, Evidence::checkbox});
  CHECK(completion_requirement(none, "p.json", false) == std::vector{Evidence::checkbox});
  CHECK(completion_requirement({{"completion", {{"require", "work"}}}}, "p.json", false) == std::vector{Evidence::work});
  CHECK(completion_requirement({{"completion", {{"require", {"marker", "work"}}}}}, "p.json", false) ==
        std::vector{Evidence::marker, Evidence::work});
  CHECK_THROWS_AS(completion_requirement({{"completion", {{"require", "vibes"}}}}, "p.json", true), UsageError);
  CHECK_THROWS_AS(completion_requirement({{"completion", {{"require", nlohmann::json::array()}}}}, "p.json", true),
                  UsageError);
  // A signal only an agent with hooks can give.
  CHECK_THROWS_AS(completion_requirement({{"completion", {{"require", "signal"}}}}, "p.json", false), UsageError);
}

TEST_CASE("judge_evidence: complete only when every required kind is found") {
  EvidenceFacts facts;
  facts.work = true;
  auto v = judge_evidence({Evidence::checkbox}, facts);
  CHECK_FALSE(v.complete);
  CHECK(v.missing == std::vector{Evidence::checkbox});
  CHECK(v.found == std::vector{Evidence::work});
  facts.checkbox = true;
  CHECK(judge_evidence({Evidence::checkbox}, facts).complete);
  CHECK_FALSE(judge_evidence({}, facts).complete);  // nothing required is never "done"
}

TEST_CASE("the completion marker: the prompt's echo never satisfies it") {
  const std::string prompt = "Implement task 1.2." + marker_instruction("1.2");
  CHECK_FALSE(marker_in_scrollback("❯ " + prompt + "\n⏺ I will start.\n", "1.2"));
  CHECK(marker_in_scrollback("❯ " + prompt + "\n⏺ Finished.\nkp-done 1.2\n", "1.2"));
  CHECK(marker_in_scrollback("⏺ kp-done: 1.2\n", "1.2"));
  CHECK_FALSE(marker_in_scrollback("kp-done 1.20\n", "1.2"));
  CHECK_FALSE(marker_in_scrollback("kp-done 152\n", "1.2"));  // '.' is not a wildcard
}

TEST_CASE("task_ticked_in reads the worktree's tasks.md with the parser") {
  test::TempDir dir;
  test::write_text(dir / "tasks.md", "# Tasks\n- [x] 1. One\n- [ ] 2. Two\n  - [x] 2.1 Sub\n");
  CHECK(task_ticked_in(dir / "tasks.md", "1"));
  CHECK_FALSE(task_ticked_in(dir / "tasks.md", "2"));
  CHECK(task_ticked_in(dir / "tasks.md", "2.1"));
  CHECK_FALSE(task_ticked_in(dir / "tasks.md", "9"));
  CHECK_FALSE(task_ticked_in(dir / "missing.md", "1"));
}

TEST_CASE("signal channel: whole lines, read once, a torn last line waits") {
  test::TempDir dir;
  const auto file = dir / "s.jsonl";
  SignalChannel channel(file);
  CHECK(channel.read_new().empty());
  append_signal_line(file, {{"hook_event_name", "UserPromptSubmit"}});
  append_signal_line(file, {{"hook_event_name", "Stop"}, {"transcript_path", "/x"}, {"last_assistant_message", "bye"}});
  auto got = channel.read_new();
  REQUIRE(got.size() == 2);
  CHECK(got[1].event == "Stop");
  CHECK(got[1].transcript_path == "/x");
  CHECK(got[1].last_message == "bye");
  CHECK(channel.read_new().empty());
  {
    std::ofstream out(file, std::ios::app);
    out << R"({"hook_event_name": "Notif)";
  }
  CHECK(channel.read_new().empty());
  {
    std::ofstream out(file, std::ios::app);
    out << "ication\"}\n";
  }
  got = channel.read_new();
  REQUIRE(got.size() == 1);
  CHECK(got[0].event == "Notification");
}

TEST_CASE("Claude hooks go only on claude's own command line") {
  auto argv = with_claude_hooks({"claude", "--model", "x"});
  REQUIRE(argv.size() == 5);
  CHECK(argv[1] == "--settings");
  auto settings = nlohmann::json::parse(argv[2]);
  for (const char* event : {"Stop", "StopFailure", "UserPromptSubmit", "Notification", "PreToolUse"}) {
    CAPTURE(event);
    CHECK(settings["hooks"].contains(event));
  }
  // The command text is constant: paths reach the hook through the environment.
  CHECK(settings["hooks"]["Stop"][0]["hooks"][0]["command"] == "\"$KIRO_PARALLEL_BIN\" hook");
  CHECK(with_claude_hooks({"/opt/bin/claude"}).size() == 3);
  CHECK(with_claude_hooks({"sim-agent", "--plan", "p"}).size() == 3);  // not claude: unchanged
}

TEST_CASE("qwen's hooks go into its system settings, only when the command runs qwen itself") {
  const AgentProfile& qwen = *builtin_profile("qwen");
  HookedAgent a = with_agent_hooks(qwen, {"/opt/qwen/bin/qwen", "--approval-mode", "default"});
  CHECK(a.hooks);
  CHECK(a.argv.size() == 3);  // nothing on the command line
  auto overlay = nlohmann::json::parse(a.system_settings.overlay_json);
  CHECK(overlay["ui"]["enableFollowupSuggestions"] == false);  // the profile's own overlay is kept
  for (const char* event : {"Stop", "StopFailure", "UserPromptSubmit", "Notification"}) {
    CAPTURE(event);
    CHECK(overlay["hooks"][event][0]["hooks"][0]["command"] == "\"$KIRO_PARALLEL_BIN\" hook");
  }
  CHECK_FALSE(overlay["hooks"].contains("PreToolUse"));  // approvals stay with qwen's menu
  HookedAgent wrapped = with_agent_hooks(qwen, {"sim-agent", "--plan", "p"});
  CHECK_FALSE(wrapped.hooks);  // no Stop would ever come
  CHECK_FALSE(nlohmann::json::parse(wrapped.system_settings.overlay_json).contains("hooks"));
  CHECK(with_agent_hooks(*builtin_profile("claude"), {"claude"}).hooks);
  CHECK_FALSE(with_agent_hooks(*builtin_profile("gemini"), {"gemini"}).hooks);
}

TEST_CASE("Claude Code transcripts (real 2.1.332 excerpts): errors, last words, tokens once per message") {
  const auto dir = test::source_dir() / "tests" / "fixtures" / "claude-hooks";
  TranscriptSummary ok = read_claude_transcript(dir / "transcript-normal-turn.jsonl");
  CHECK(ok.readable);
  CHECK_FALSE(ok.api_error);
  CHECK(ok.tokens.total() > 0);
  CHECK_FALSE(ok.last_text.empty());
  for (const char* f : {"transcript-api-error-400.jsonl", "transcript-api-error-529.jsonl"}) {
    CAPTURE(f);
    TranscriptSummary e = read_claude_transcript(dir / f);
    CHECK(e.api_error);
    CHECK(e.error_text.rfind("API Error", 0) == 0);
  }
  CHECK_FALSE(read_claude_transcript(dir / "nope.jsonl").readable);

  // One row per content block repeats the message's usage: counted once.
  test::TempDir tmp;
  const std::string row =
      R"({"type":"assistant","message":{"id":"m1","role":"assistant","content":[{"type":"text","text":"hi"}],"usage":{"input_tokens":10,"output_tokens":5}}})";
  test::write_text(tmp / "t.jsonl", row + "\n" + row + "\n");
  CHECK(read_claude_transcript(tmp / "t.jsonl").tokens.total() == 15);
}
