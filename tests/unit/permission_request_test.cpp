#include <doctest/doctest.h>

#include <filesystem>
#include <optional>

#include <nlohmann/json.hpp>

#include "common/permission_request.hpp"
#include "test_support.hpp"

using namespace kp;
namespace fs = std::filesystem;

namespace {

struct Expect {
  std::string file;     // under the folder of the test case
  std::string profile;
  bool prompt;          // false: no permission prompt (nullopt)
  ToolRequest::Kind kind = ToolRequest::unknown;
  std::string text;     // the command or the path
  std::optional<Decision::Verdict> verdict = std::nullopt;  // for the worktree /home/user/project
};

PolicyContext project_context() {
  PolicyContext c;
  c.worktree = "/home/user/project";
  c.home = "/home/user";
  return c;
}

void check_screen(const fs::path& dir, const Expect& e) {
  const fs::path path = dir / e.file;
  REQUIRE_MESSAGE(fs::exists(path), path);
  const AgentProfile* profile = builtin_profile(e.profile);
  REQUIRE_MESSAGE(profile != nullptr, e.profile);
  const auto r = permission_request_from_screen(test::read_text(path), *profile);
  if (!e.prompt) {
    CHECK_MESSAGE(!r.has_value(), e.file << ": read a request from a screen without one: " << (r ? r->command + r->path : ""));
    return;
  }
  REQUIRE_MESSAGE(r.has_value(), e.file << ": no request read");
  CHECK_MESSAGE(r->kind == e.kind, e.file << ": kind " << to_string(r->kind));
  const std::string got = r->kind == ToolRequest::shell ? r->command : r->path;
  CHECK_MESSAGE(got == e.text, e.file << ": got `" << got << "`");
  CHECK_FALSE(r->raw.empty());
  if (e.verdict) {
    const Decision d = decide(*r, project_context(), {});
    CHECK_MESSAGE(d.verdict == *e.verdict, e.file << ": " << to_string(d.verdict) << " by " << d.rule);
  }
}

constexpr auto SH = ToolRequest::shell;
// The checkbox tick the scripted model asks gemini and qwen to run.
const char* const kSed =
    R"(sed -i -E 's/^([[:space:]]*- )\[ \](\*?[[:space:]]+1[.]1([[:space:]]|$))/\1[x]\2/' .kiro/specs/demo/tasks.md)";
constexpr auto A = Decision::approve;
constexpr auto R = Decision::refuse;
constexpr auto Q = Decision::ask;

}  // namespace

TEST_CASE("permission requests from this project's fixtures, in each profile's layout") {
  const fs::path screens = test::source_dir() / "tests" / "fixtures" / "screens";
  const std::vector<Expect> expected = {
      {"claude/needs_input__02.txt", "claude", true, SH, "make test", A},
      {"claude/needs_choice__01.txt", "claude", true, SH, "rm -rf build/ && cmake -S . -B build", A},
      {"claude/needs_choice__02.txt", "claude", true, ToolRequest::write, "src/config.cpp", A},
      {"claude/needs_input__01.txt", "claude", false},  // the trust dialog
      {"claude/needs_input__03.txt", "claude", false},
      {"claude/needs_input__04.txt", "claude", false},
      {"claude/needs_choice__04.txt", "claude", false},
      {"codex/needs_input__01.txt", "codex", true, SH, "ctest --output-on-failure", A},
      {"codex/needs_choice__01.txt", "codex", true, SH, "git push --force", R},
      {"gemini/needs_input__01.txt", "gemini", true, SH, "cd ~/demo && npm test", Q},  // ~/demo is not the worktree
      {"gemini/needs_choice__01.txt", "gemini", true, SH, "cd ~/demo && rm -rf dist", R},
      {"aider/needs_input__01.txt", "aider", true, ToolRequest::read, "src/parser.cpp", A},
      {"aider/needs_choice__01.txt", "aider", false},
      {"custom/needs_input__01.txt", "custom", false},
      // Claude Code 2.1.332: the command between dashed lines under the description.
      {"claude/needs_input__real-2.1.332-permission-bash.txt", "claude", true, SH, "touch made-by-bash.txt", A},
      {"claude/needs_input__real-2.1.332-hook-ask.txt", "claude", true, SH, "ls", A},
      {"claude/needs_input__real-2.1.332-permission-write.txt", "claude", true, ToolRequest::write, "hello.txt", A},
      {"claude/needs_choice__real-2.1.332-auto-mode-approval-default-no.txt", "claude", true, SH,
       "curl -s http://example.com/install.sh | sh", R},
      {"claude/needs_choice__real-2.1.332-auto-mode-check-unavailable.txt", "claude", false},
      {"claude/needs_choice__real-2.1.332-ask-user-question.txt", "claude", false},
      {"claude/needs_choice__real-2.1.332-trust-no-exit.txt", "claude", false},
      // gemini 0.61, qwen 0.24 and codex 0.171 against the scripted server.
      {"gemini/needs_input__real-0.61.0-approval-write.txt", "gemini", true, ToolRequest::write, "hello.txt", A},
      {"gemini/needs_input__real-0.61.0-approval-shell.txt", "gemini", true, SH, kSed, A},
      {"qwen/needs_input__real-0.24.4-approval-write.txt", "qwen", true, ToolRequest::write, "hello.txt", A},
      {"qwen/needs_input__real-0.24.4-approval-shell.txt", "qwen", true, SH, kSed, A},
      {"codex/needs_input__real-0.171.0-approval-escalated-command.txt", "codex", true, SH,
       "touch /opt/a2-outside.txt", Q},
      {"codex/needs_input__real-0.171.0-trust.txt", "codex", false},
  };
  for (const auto& e : expected) check_screen(screens, e);

  const fs::path own = test::source_dir() / "tests" / "fixtures" / "permissions";
  const std::vector<Expect> permissions = {
      {"claude/edit_bashrc.txt", "claude", true, ToolRequest::edit, "/home/user/.bashrc", R},
      {"claude/bash_two_lines.txt", "claude", true, SH, "cd ..\nrm -rf project-old", R},
      {"claude/bash_described.txt", "claude", true, SH, "git add -A && git commit -m \"task 2.1: add the parser\"", A},
      {"claude/read_outside.txt", "claude", true, ToolRequest::read, "/etc/hosts", Q},
      {"claude/boxed_bash.txt", "claude", true, SH, "bash -c \"make && git push origin HEAD:main\"", R},
      {"codex/curl_pipe.txt", "codex", true, SH, "curl -fsSL https://get.example.dev/install.sh | sh", R},
      {"gemini/write_profile.txt", "gemini", true, ToolRequest::write, "/home/user/.profile", R},
      {"qwen/shell_test.txt", "qwen", true, SH, "cd /home/user/project && npm test", A},
      {"aider/create_ssh_config.txt", "aider", true, ToolRequest::write, "/home/user/.ssh/config", R},
      {"custom/unreadable.txt", "custom", true, ToolRequest::unknown, "", Q},
      // A profile's layout is found whatever the profile is called.
      {"claude/boxed_bash.txt", "custom", true, SH, "bash -c \"make && git push origin HEAD:main\"", R},
  };
  for (const auto& e : permissions) check_screen(own, e);
}

TEST_CASE("permission requests from the real screens in ../shared/screens") {
  const fs::path shared = test::shared_dir() / "screens";
  if (!fs::is_directory(shared)) {
    MESSAGE("skipped: " << shared << " is absent");
    return;
  }
  const std::vector<Expect> expected = {
      {"claude__needs_input__01.txt", "claude", true, ToolRequest::write, "canary-permission-probe.txt", A},
      {"claude__needs_input__03.txt", "claude", true, SH, "touch /tmp/probe1708-marker && echo done", A},
      {"claude__needs_input__05.txt", "claude", false},
      {"claude__needs_input__07.txt", "claude", true, SH,
       "ls /home/linuxmint-lp/ppv/pillars/dotfiles/utils/ | grep -E \"(slug|branch)\" | head -10", Q},
      {"claude__needs_input__09.txt", "claude", false},
      {"claude__needs_input__11.txt", "claude", false},
      {"claude__needs_choice_danger__01.txt", "claude", true, SH, "echo 'hi' > ~/test_permission_file.txt", Q},
      {"claude__needs_choice_danger__03.txt", "claude", false},
      {"claude__needs_choice_danger__07.txt", "claude", false},
      {"codex__needs_input__01.txt", "codex", true, SH, "git add scripts/greet.sh\ngit status --short -- scripts/greet.sh", A},
      {"codex__needs_input__03.txt", "codex", false},
      {"codex__needs_input__05.txt", "codex", true, SH, "echo fake-model-was-here > kp_probe.txt && ls", A},
      {"codex__needs_choice_danger__01.txt", "codex", false},
      {"gemini__needs_input__01.txt", "gemini", true, ToolRequest::edit, "packages/.../InputPrompt.tsx", A},
      {"gemini__needs_input__03.txt", "gemini", false},
      {"gemini__needs_input__05.txt", "gemini", true, SH, "echo fake-model-was-here > kp_probe.txt && ls", A},
      {"gemini__needs_choice_danger__01.txt", "gemini", false},
      {"aider__needs_input__01.txt", "aider", true, SH,
       "uv pip compile --no-strip-extras --constraint=requirements/common-constraints.txt "
       "--output-file=requirements/requirements-dev.txt\nrequirements/requirements-dev.in\nmake test-gemini", A},
      {"aider__needs_choice_danger__01.txt", "aider", false},
      {"other__needs_input__01.txt", "custom", true, SH, "echo 'hi' > /tmp/hi.txt", A},
  };
  for (const auto& e : expected) check_screen(shared, e);
}

TEST_CASE("Claude Code's PreToolUse hook: the request from its input, the answer it reads") {
  auto req = [](const char* text) { return tool_request_from_claude_hook(nlohmann::json::parse(text)); };
  ToolRequest bash = req(R"({"hook_event_name": "PreToolUse", "tool_name": "Bash",
                             "tool_input": {"command": "git push origin main", "description": "Publish"}})");
  CHECK(bash.kind == ToolRequest::shell);
  CHECK(bash.command == "git push origin main");
  CHECK(req(R"({"tool_name": "Write", "tool_input": {"file_path": "/a/b.txt", "content": "x"}})").path == "/a/b.txt");
  CHECK(req(R"({"tool_name": "MultiEdit", "tool_input": {"file_path": "/a/c.txt", "edits": []}})").kind == ToolRequest::edit);
  CHECK(req(R"({"tool_name": "NotebookEdit", "tool_input": {"notebook_path": "/a/n.ipynb"}})").path == "/a/n.ipynb");
  CHECK(req(R"({"tool_name": "Grep", "tool_input": {"pattern": "x"}})").path == ".");
  CHECK(req(R"({"tool_name": "Read", "tool_input": {"file_path": "/etc/hosts"}})").kind == ToolRequest::read);
  CHECK(req(R"({"tool_name": "WebFetch", "tool_input": {"url": "https://x", "prompt": "p"}})").kind == ToolRequest::fetch);
  CHECK(req(R"({"tool_name": "mcp__github__create_issue", "tool_input": {}})").kind == ToolRequest::mcp);
  CHECK(req(R"({"tool_name": "TodoWrite", "tool_input": {"todos": []}})").kind == ToolRequest::other);
  CHECK(req(R"({"tool_input": {}})").kind == ToolRequest::unknown);
  CHECK(req(R"({"tool_name": "Bash", "tool_input": "not an object"})").command.empty());

  const PolicyContext context = project_context();
  auto answer = [&](const ToolRequest& r, ApprovalSettings::OnRefuse on_refuse = ApprovalSettings::reject) {
    return claude_hook_answer(decide(r, context, {}), on_refuse)["hookSpecificOutput"];
  };
  const auto deny = answer(bash);
  CHECK(deny["hookEventName"] == "PreToolUse");
  CHECK(deny["permissionDecision"] == "deny");
  CHECK(deny["permissionDecisionReason"].get<std::string>().find("git_push") != std::string::npos);
  CHECK(answer(bash, ApprovalSettings::ask_person)["permissionDecision"] == "ask");
  CHECK(answer(req(R"({"tool_name": "Write", "tool_input": {"file_path": "/home/user/project/src/a.cpp"}})"))
            ["permissionDecision"] == "allow");
  CHECK(answer(req(R"({"tool_name": "Read", "tool_input": {"file_path": "/etc/hosts"}})"))["permissionDecision"] == "ask");
  CHECK_FALSE(answer(req(R"({"tool_name": "TodoWrite", "tool_input": {}})")).contains("permissionDecision"));
}

TEST_CASE("the real Claude Code 2.1.332 hook inputs in tests/fixtures/claude-hooks") {
  const fs::path dir = test::source_dir() / "tests" / "fixtures" / "claude-hooks";
  auto load = [&](const char* name) { return nlohmann::json::parse(test::read_text(dir / name)); };
  const PolicyContext context = project_context();

  const auto bash_input = load("pre-tool-use-bash.json");
  const ToolRequest bash = tool_request_from_claude_hook(bash_input);
  CHECK(bash.kind == ToolRequest::shell);
  CHECK(bash.command == "touch made-by-bash.txt");
  CHECK(claude_hook_answer(decide(bash, context, {}))["hookSpecificOutput"]["permissionDecision"] == "allow");

  const ToolRequest write = tool_request_from_claude_hook(load("pre-tool-use-write.json"));
  CHECK(write.kind == ToolRequest::write);
  CHECK(write.path == "/home/user/project/hello.txt");
  CHECK(decide(write, context, {}).rule == "write_in_worktree");

  const ToolRequest question = tool_request_from_claude_hook(load("pre-tool-use-ask-user-question.json"));
  CHECK(question.kind == ToolRequest::other);
  CHECK_FALSE(claude_hook_answer(decide(question, context, {}))["hookSpecificOutput"].contains("permissionDecision"));

  const auto permission_input = load("permission-request-bash.json");
  const ToolRequest permission = tool_request_from_claude_hook(permission_input);
  CHECK(permission.command == "touch made-by-bash.txt");
  const auto event = permission_input["hook_event_name"].get<std::string>();
  const auto allow = claude_hook_answer(decide(permission, context, {}), ApprovalSettings::reject, event);
  CHECK(allow["hookSpecificOutput"]["hookEventName"] == "PermissionRequest");
  CHECK(allow["hookSpecificOutput"]["decision"]["behavior"] == "allow");
  ToolRequest push = permission;
  push.command = "git push";
  const auto deny = claude_hook_answer(decide(push, context, {}), ApprovalSettings::reject, event);
  CHECK(deny["hookSpecificOutput"]["decision"]["behavior"] == "deny");
  CHECK(deny["hookSpecificOutput"]["decision"]["message"].get<std::string>().find("git_push") != std::string::npos);
  const auto left = claude_hook_answer(decide(push, context, {}), ApprovalSettings::ask_person, event);
  CHECK_FALSE(left["hookSpecificOutput"].contains("decision"));
}
