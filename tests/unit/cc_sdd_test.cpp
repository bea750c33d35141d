// Which prompt a run sends, from the files cc-sdd 3.0.2 installs (the paths
// were checked by running each of its flags in an empty repository).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "common/cc_sdd.hpp"
#include "test_support.hpp"

using namespace kp;
namespace fs = std::filesystem;

namespace {

constexpr const char* kGeneric = "Implement task {task} of the spec in .kiro/specs/{spec}/.";

PromptChoice choose(const fs::path& repo, const std::string& profile, const std::string& builtin = kGeneric,
                    std::optional<std::string> user = std::nullopt) {
  return choose_prompt(repo, profile, builtin, user);
}

}  // namespace

TEST_CASE("claude: the cc-sdd 3 skill first, then the older command; nothing installed is refused") {
  test::TempDir repo;
  PromptChoice none = choose(repo.path(), "claude", "/kiro:spec-impl {spec} {task}");
  CHECK(none.missing);
  CHECK(none.install_hint == "npx cc-sdd@latest --claude-skills");
  CHECK(none.refusal.find("npx cc-sdd@latest --claude-skills") != std::string::npos);
  CHECK(none.refusal.find(".claude/skills/kiro-impl/SKILL.md") != std::string::npos);
  CHECK(none.refusal.find("agent") != std::string::npos);  // or set agent.prompt

  test::write_text(repo / ".claude/commands/kiro/spec-impl.md", "---\n");
  PromptChoice old = choose(repo.path(), "claude");
  CHECK_FALSE(old.missing);
  CHECK(old.prompt_template == "/kiro:spec-impl {spec} {task}");
  CHECK(old.source == "cc-sdd command .claude/commands/kiro/spec-impl.md");

  test::write_text(repo / ".claude/skills/kiro-impl/SKILL.md", "---\nname: kiro-impl\n");
  PromptChoice skill = choose(repo.path(), "claude");
  CHECK(skill.prompt_template == "/kiro-impl {spec} {task}");
  CHECK(skill.found == (repo / ".claude/skills/kiro-impl/SKILL.md").string());
}

TEST_CASE("codex, gemini and qwen layouts") {
  test::TempDir repo;
  CHECK(choose(repo.path(), "codex").install_hint == "npx cc-sdd@latest --codex-skills");
  CHECK(choose(repo.path(), "codex").missing);
  test::write_text(repo / ".agents/skills/kiro-impl/SKILL.md", "x");
  CHECK(choose(repo.path(), "codex").prompt_template == "$kiro-impl {spec} {task}");

  CHECK(choose(repo.path(), "gemini").missing);
  test::write_text(repo / ".gemini/commands/kiro/spec-impl.toml", "x");
  CHECK(choose(repo.path(), "gemini").prompt_template == "/kiro:spec-impl {spec} {task}");
  test::write_text(repo / ".gemini/skills/kiro-impl/SKILL.md", "x");
  CHECK(choose(repo.path(), "gemini").prompt_template == "/kiro-impl {spec} {task}");

  CHECK(choose(repo.path(), "qwen").install_hint == "npx cc-sdd@latest --qwen");
  test::write_text(repo / ".qwen/commands/kiro/spec-impl.toml", "x");
  CHECK(choose(repo.path(), "qwen").prompt_template == "/kiro:spec-impl {spec} {task}");
  // A folder where the file should be is not an installation.
  fs::create_directories(repo / ".claude/skills/kiro-impl/SKILL.md");
  CHECK(choose(repo.path(), "claude").missing);
}

TEST_CASE("a prompt set in the settings wins, installed or not") {
  test::TempDir repo;
  PromptChoice c = choose(repo.path(), "claude", "/kiro:spec-impl {spec} {task}", std::string("do {task} of {spec}"));
  CHECK_FALSE(c.missing);
  CHECK(c.prompt_template == "do {task} of {spec}");
  auto settings = nlohmann::json::parse(R"({"agent": {"prompt": "A {task}"}})");
  CHECK(settings_prompt(settings, "claude") == std::string("A {task}"));
  settings = nlohmann::json::parse(R"({"profiles": {"mine": {"prompt": "B {task}"}}})");
  CHECK(settings_prompt(settings, "mine") == std::string("B {task}"));
  CHECK_FALSE(settings_prompt(settings, "claude"));
  CHECK_FALSE(settings_prompt(nlohmann::json::object(), "claude"));
}

TEST_CASE("custom and aider keep their prompt; refused only when it names a kiro command that is missing") {
  test::TempDir repo;
  PromptChoice prose = choose(repo.path(), "custom");
  CHECK_FALSE(prose.missing);
  CHECK(prose.prompt_template == kGeneric);
  CHECK_FALSE(choose(repo.path(), "aider").missing);
  PromptChoice kiro = choose(repo.path(), "custom", "/kiro-impl {spec} {task}");
  CHECK(kiro.missing);
  CHECK(kiro.refusal.find("--claude-skills") != std::string::npos);
  test::write_text(repo / ".gemini/skills/kiro-impl/SKILL.md", "x");
  CHECK_FALSE(choose(repo.path(), "custom", "/kiro-impl {spec} {task}").missing);
}

TEST_CASE("run from a linked worktree: the main checkout's files count") {
  test::TempDir dir;
  fs::path main = dir / "main";
  test::init_repo(main, {{"README.md", "x\n"}});
  test::write_text(main / ".claude/skills/kiro-impl/SKILL.md", "x");  // installed, not committed
  test::git(main, {"worktree", "add", "-q", "-b", "side", (dir / "wt").string()});
  auto roots = checkouts_to_search(dir / "wt");
  REQUIRE(roots.size() == 2);
  CHECK(fs::equivalent(roots[1], main));
  CHECK(choose(dir / "wt", "claude").prompt_template == "/kiro-impl {spec} {task}");
  CHECK(checkouts_to_search(main).size() == 1);
}
