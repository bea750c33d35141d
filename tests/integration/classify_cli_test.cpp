#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

using namespace kp;

namespace {

std::string fixture(const std::string& rel) {
  return (test::source_dir() / "tests" / "fixtures" / "screens" / rel).string();
}

}  // namespace

TEST_CASE("classify prints the class, the rule and the line") {
  auto r = test::run_kp({"classify", fixture("claude/needs_choice__01.txt")});
  CHECK(r.exit_code == 0);
  CHECK(r.out.rfind("needs_choice\n", 0) == 0);
  CHECK(r.out.find("rule: menu_cursor_on_danger (line 12)") != std::string::npos);
  CHECK(r.out.find("❯ 3. No") != std::string::npos);
  CHECK(r.out.find("profile: claude") != std::string::npos);
}

TEST_CASE("classify --json gives class, rule, line, text and profile") {
  auto r = test::run_kp({"classify", "--json", "--profile", "codex", fixture("codex/needs_input__01.txt")});
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["class"] == "needs_input");
  CHECK(j["rule"] == "menu_cursor_on_safe");
  CHECK(j["line"] == 8);
  CHECK(j["text"] == "› 1. Yes, proceed (y)");
  CHECK(j["profile"] == "codex");
  CHECK(j["input"].is_null());
}

TEST_CASE("classify --after-prompt reads an idle prompt as done; '-' reads stdin") {
  const std::string path = fixture("claude/ready__01.txt");
  auto before = test::run_kp({"classify", "--json", path});
  CHECK(nlohmann::json::parse(before.out)["class"] == "ready");
  auto after = test::run_kp({"classify", "--json", "--after-prompt", path});
  CHECK(nlohmann::json::parse(after.out)["class"] == "done");
  CHECK(nlohmann::json::parse(after.out)["input"] == "");

  RunOptions options;
  options.stdin_data = test::read_text(fixture("claude/busy__01.txt"));
  options.env.emplace_back("NO_COLOR", "1");
  auto piped = run_program({test::kp_binary().string(), "classify", "-"}, options);
  CHECK(piped.exit_code == 0);
  CHECK(piped.out.rfind("busy\n", 0) == 0);
}

TEST_CASE("classify uses profiles from .kiro/settings/parallel.json under -C") {
  test::TempDir dir;
  test::write_text(dir / ".kiro/settings/parallel.json",
                   R"({"profiles": {"slow": {"extends": "claude", "busy": ["Cogitating"]}}})");
  test::write_text(dir / "screen.txt", "✻ Cogitating\n\n" + std::string("────────────\n❯ \n────────────\n"));
  auto r = test::run_kp({"classify", "-C", dir.path().string(), "--json", "--profile", "slow",
                         (dir / "screen.txt").string()});
  REQUIRE(r.exit_code == 0);
  CHECK(nlohmann::json::parse(r.out)["class"] == "busy");
  CHECK(nlohmann::json::parse(r.out)["profile"] == "slow");
}

TEST_CASE("classify: a missing file, an unknown profile or bad settings exit 2") {
  auto missing = test::run_kp({"classify", "/no/such/screen.txt"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("/no/such/screen.txt") != std::string::npos);

  auto unknown = test::run_kp({"classify", "--profile", "nope", fixture("claude/ready__01.txt")});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("unknown agent profile 'nope'") != std::string::npos);

  auto none = test::run_kp({"classify"});
  CHECK(none.exit_code == 2);

  test::TempDir dir;
  test::write_text(dir / ".kiro/settings/parallel.json", R"({"classifier": {"busy": ["("]}})");
  auto bad = test::run_kp({"classify", "-C", dir.path().string(), fixture("claude/ready__01.txt")});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("parallel.json") != std::string::npos);
  CHECK(bad.err.find("classifier.busy") != std::string::npos);

  auto help = test::run_kp({"classify", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("--after-prompt") != std::string::npos);
}
