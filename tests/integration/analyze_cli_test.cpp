// `kiro-parallel analyze` end to end: the real binary on real files.
#include <doctest/doctest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

using namespace kp;
namespace fs = std::filesystem;

namespace {

// A repository folder holding .kiro/specs/<spec>/tasks.md.
fs::path make_spec(const test::TempDir& dir, const std::string& spec, const std::string& tasks_md) {
  fs::path spec_dir = dir / (".kiro/specs/" + spec);
  test::write_text(spec_dir / "tasks.md", tasks_md);
  return spec_dir;
}

std::string fixture(const std::string& name) {
  return test::read_text(test::source_dir() / "tests/fixtures/tasks" / name);
}

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("analyze: the human report") {
  test::TempDir dir;
  make_spec(dir, "mixed", fixture("mixed-styles.md"));
  // The figures below are those of order majors (the fixture has (P): auto would pick strict).
  auto r = test::run_kp({"analyze", "mixed", "--order", "majors", "-C", dir.path().string()});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.out, "Tasks:     12 (3 parents, 9 runnable: 2 completed, 5 pending, 2 blocked; 1 optional)"));
  CHECK(contains(r.out, "Order:     majors  (majors are independent; sub-tasks in sequence unless (P); set by --order)"));
  CHECK(contains(r.out, "Prompt:    not installed: run npx cc-sdd@latest --claude-skills"));
  CHECK(contains(r.out, "History:   none"));
  CHECK(contains(r.out, "Agent:     profile claude (claude)"));
  CHECK(contains(r.out, "Wave 1"));
  CHECK(contains(r.out, "Critical path: 2.1 -> 2.3"));
  CHECK(contains(r.out, "Parallelism:   max 4"));
  CHECK(contains(r.out, "Blocked  (2)"));
  CHECK(contains(r.out, "waiting for API credentials"));
  CHECK(contains(r.out, "Talk to the server over HTTP with retries"));
  CHECK(contains(r.out, "Add configuration loading (P)"));
  CHECK_FALSE(contains(r.out, "Foundation"));        // parents are not runnable work
  CHECK_FALSE(contains(r.out, "An example inside"));  // fenced
  CHECK_FALSE(contains(r.out, "\033["));              // NO_COLOR / not a terminal
  CHECK_FALSE(contains(r.out, "  . "));
}

TEST_CASE("analyze --json: the documented shape") {
  test::TempDir dir;
  make_spec(dir, "mixed", fixture("mixed-styles.md"));
  auto r = test::run_kp({"analyze", "mixed", "--json", "--order", "majors", "-C", dir.path().string()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  std::vector<std::string> keys;
  auto ordered = nlohmann::ordered_json::parse(r.out);  // keeps the printed key order
  for (auto& [k, v] : ordered.items()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"spec", "order", "order_reason", "prompt", "implementation_notes", "counts",
                                         "waves", "critical_path", "tasks", "prediction", "warnings"});
  std::vector<std::string> prediction_keys;
  for (auto& [k, v] : ordered["prediction"].items()) prediction_keys.push_back(k);
  CHECK(prediction_keys == std::vector<std::string>{"workers", "makespan_s", "speedup", "work_s", "basis", "weights",
                                                    "knee", "by_workers"});
  CHECK(j["prediction"]["workers"] == 3);
  CHECK(j["spec"] == "mixed");
  CHECK(j["order"] == "majors");
  CHECK(j["order_reason"] == "set by --order");
  CHECK(j["prompt"]["source"] == "not installed");
  CHECK(j["prompt"]["install_hint"] == "npx cc-sdd@latest --claude-skills");
  CHECK(j["counts"] == nlohmann::json{{"tasks", 12}, {"parents", 3}, {"runnable", 9}, {"completed", 2},
                                      {"pending", 5}, {"optional", 1}, {"blocked", 2}});
  CHECK(j["waves"] == nlohmann::json::parse(R"([["1.2","2.1","2.2","5"],["2.3"]])"));
  CHECK(j["critical_path"] == nlohmann::json::parse(R"({"tasks":["2.1","2.3"],"length":2})"));
  REQUIRE(j["tasks"].size() == 12);
  for (const auto& t : j["tasks"]) {
    std::vector<std::string> tk;
    for (auto& [k, v] : t.items()) tk.push_back(k);
    std::sort(tk.begin(), tk.end());
    CHECK(tk == std::vector<std::string>{"blocked_reason", "boundary", "contracts", "deps", "group", "id", "line",
                                         "optional", "parallel", "parent", "requirements", "status", "title", "wave"});
    CHECK(t["id"].is_string());
  }
  auto find = [&](const std::string& id) {
    for (const auto& t : j["tasks"]) if (t["id"] == id) return t;
    FAIL("no task " << id);
    return nlohmann::json();
  };
  CHECK(find("1")["title"] == "Foundation");
  CHECK(find("1")["status"] == "pending");
  CHECK(find("1")["wave"].is_null());
  CHECK(find("1.1")["status"] == "completed");
  CHECK(find("1.1")["wave"].is_null());
  CHECK(find("1.1")["requirements"] == nlohmann::json::parse(R"(["1.1","1.2","1.3"])"));
  CHECK(find("1.2")["parallel"] == true);
  CHECK(find("1.2")["wave"] == 0);
  CHECK(find("2.1")["deps"] == nlohmann::json::array());  // 1.1 is completed: pruned
  CHECK(find("2.1")["parent"] == "2");
  CHECK(find("2.3")["optional"] == true);
  CHECK(find("2.3")["deps"] == nlohmann::json::parse(R"(["2.1"])"));
  CHECK(find("3.1")["status"] == "blocked");
  CHECK(find("3.2")["status"] == "blocked");
  CHECK(find("3.2")["deps"] == nlohmann::json::parse(R"(["2.1","2.2","2.3","3.1"])"));
  CHECK(find("4")["status"] == "completed");
  CHECK(find("5")["line"] == 38);
  CHECK(find("1.2")["requirements"] == nlohmann::json::parse(R"(["2.1"])"));
}

TEST_CASE("analyze --mermaid: one subgraph per wave and the edges") {
  test::TempDir dir;
  make_spec(dir, "m", "- [ ] 1. A\n- [ ] 1.1 a \"quoted\"\n- [ ] 1.2 b\n- [ ] 2. B\n");
  auto r = test::run_kp({"analyze", "m", "--mermaid", "-C", dir.path().string()});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.rfind("flowchart TD\n", 0) == 0);
  CHECK(contains(r.out, "subgraph wave1[\"Wave 1\"]"));
  CHECK(contains(r.out, "subgraph wave2[\"Wave 2\"]"));
  CHECK(contains(r.out, "t1_1[\"1.1 a #quot;quoted#quot;\"]"));
  CHECK(contains(r.out, "t1_1 --> t1_2"));
}

TEST_CASE("analyze: exit 2 with one clear message") {
  test::TempDir dir;
  make_spec(dir, "ok", "- [ ] 1. A\n");
  SUBCASE("missing spec") {
    auto r = test::run_kp({"analyze", "nope", "-C", dir.path().string()});
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "no spec 'nope'"));
  }
  SUBCASE("bad spec names") {
    for (std::string bad : {"../ok", "a/b", ".."}) {
      auto r = test::run_kp({"analyze", bad, "-C", dir.path().string()});
      CHECK(r.exit_code == 2);
      CHECK(contains(r.err, "bad spec name"));
    }
  }
  SUBCASE("a spec folder without tasks.md") {
    fs::create_directories(dir / ".kiro/specs/empty");
    auto r = test::run_kp({"analyze", "empty", "-C", dir.path().string()});
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "tasks.md: no such file"));
  }
  SUBCASE("binary tasks.md") {
    std::string garbage;
    for (int i = 0; i < 2048; ++i) garbage += static_cast<char>((i * 131 + 7) % 256);
    make_spec(dir, "bin", garbage);
    auto r = test::run_kp({"analyze", "bin", "-C", dir.path().string()});
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "not a text file"));
    CHECK(r.out.empty());
  }
  SUBCASE("a cycle") {
    make_spec(dir, "cyc", "- [ ] 2. B\n- [ ] 2.1 x\n  - _Depends: 3.4_\n- [ ] 3. C\n- [ ] 3.4 y\n  - _Depends: 2.1_\n");
    auto r = test::run_kp({"analyze", "cyc", "--json", "-C", dir.path().string()});
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "dependency cycle: 2.1 -> 3.4 -> 2.1"));
    CHECK(contains(r.err, "tasks.md:2:"));
  }
  SUBCASE("a bad --order") {
    auto r = test::run_kp({"analyze", "ok", "--order", "random", "-C", dir.path().string()});
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, "auto, majors or strict"));
  }
}

TEST_CASE("analyze: duplicate ids are reported with both lines and analyze goes on") {
  test::TempDir dir;
  make_spec(dir, "dup", "- [ ] 2. B\n- [x] 2.5 first\n- [ ] 2.5 second\n");
  auto r = test::run_kp({"analyze", "dup", "--json", "-C", dir.path().string()});
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  bool found = false;
  for (const auto& w : j["warnings"]) {
    if (w["line"] == 3 && contains(w["message"].get<std::string>(), "duplicate task id 2.5 (also on line 2)")) found = true;
  }
  CHECK(found);
  auto human = test::run_kp({"analyze", "dup", "-C", dir.path().string()});
  CHECK(human.exit_code == 0);
  CHECK(contains(human.out, "tasks.md:3: duplicate task id 2.5 (also on line 2)"));
}

TEST_CASE("analyze: order from --order, then the settings file; --skip-optional") {
  test::TempDir dir;
  make_spec(dir, "o", "- [ ] 1. A\n- [ ] 1.1 a\n- [ ] 2. B\n- [ ]* 2.1 b\n");
  auto deps_of = [&](const std::vector<std::string>& extra, const std::string& id) {
    std::vector<std::string> args{"analyze", "o", "--json", "-C", dir.path().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = test::run_kp(args);
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    for (const auto& t : j["tasks"]) if (t["id"] == id) return std::make_pair(j["order"].get<std::string>(), t);
    FAIL("no " << id);
    return std::make_pair(std::string(), nlohmann::json());
  };
  CHECK(deps_of({}, "2.1").second["deps"] == nlohmann::json::array());
  CHECK(deps_of({"--order", "strict"}, "2.1").second["deps"] == nlohmann::json::parse(R"(["1.1"])"));
  test::write_text(dir / ".kiro/settings/parallel.json", R"({"order": "strict"})");
  CHECK(deps_of({}, "2.1").first == "strict");
  CHECK(deps_of({"--order", "majors"}, "2.1").first == "majors");
  CHECK(deps_of({"--order", "auto"}, "2.1").first == "majors");  // no (P) in this file
  auto skipped = deps_of({"--skip-optional"}, "2.1").second;
  CHECK(skipped["wave"].is_null());
  CHECK(skipped["status"] == "pending");
}

TEST_CASE("analyze: history weights the critical path; spec.json approval warns") {
  test::TempDir dir;
  fs::path spec = make_spec(dir, "h", "- [ ] 1. A\n- [ ] 1.1 a\n- [ ] 1.2 b\n- [ ] 2. B\n- [ ] 2.1 slow\n");
  test::write_text(spec / ".completed_tasks.json",
                   R"([{"task_id":"2.1","title":"slow","duration":600,"completed_at":"2026-01-01T00:00:00Z"},
                       {"task_id":"2.1","title":"slow","duration":400,"completed_at":"2026-01-02T00:00:00Z"},
                       {"task_id":"2.1","title":"slow","duration":900,"completed_at":"2026-01-03T00:00:00Z"}])");
  test::write_text(spec / "spec.json", R"({"feature_name":"h","approvals":{"tasks":{"generated":true,"approved":false}}})");
  auto r = test::run_kp({"analyze", "h", "-C", dir.path().string()});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(contains(r.out, "History:   3 completions of 1 task in .completed_tasks.json (median per task)"));
  CHECK(contains(r.out, "Critical path: 2.1  (1 task, 600 s by recorded durations; by task count 2 waves)"));
  CHECK(contains(r.out, "tasks are not approved"));
  auto j = nlohmann::json::parse(test::run_kp({"analyze", "h", "--json", "-C", dir.path().string()}).out);
  CHECK(j["critical_path"]["tasks"] == nlohmann::json::parse(R"(["2.1"])"));
}

TEST_CASE("analyze: the README's first command on the demo spec") {
  auto r = test::run_kp({"analyze", "demo", "--json", "-C", (test::source_dir() / "examples/demo").string()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["counts"]["runnable"] == 15);
  CHECK(j["counts"]["optional"] == 1);
  CHECK(j["counts"]["blocked"] == 0);
  CHECK(j["warnings"].empty());
  bool ten_after_nine = false;
  for (const auto& t : j["tasks"]) {
    if (t["id"] == "1.10") ten_after_nine = t["deps"] == nlohmann::json::parse(R"(["1.8","1.9"])");
  }
  CHECK(ten_after_nine);
}

TEST_CASE("analyze --help lists every option") {
  auto r = test::run_kp({"analyze", "--help"});
  CHECK(r.exit_code == 0);
  for (const char* opt : {"--json", "--mermaid", "--order ORDER", "--skip-optional", "-C DIR"}) CHECK(contains(r.out, opt));
}

TEST_CASE("analyze --json escapes titles and replaces bytes that are not UTF-8") {
  test::TempDir dir;
  make_spec(dir, "esc", "- [ ] 1. Say \"hi\" \\ back\tnow — ok\n- [ ] 2. Caf\xe9 au lait with a long enough title to stay text\n");
  auto r = test::run_kp({"analyze", "esc", "--json", "-C", dir.path().string()});
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);  // throws on invalid JSON or UTF-8
  CHECK(j["tasks"][0]["title"] == "Say \"hi\" \\ back now — ok");
  CHECK(j["tasks"][1]["title"] == "Caf\xEF\xBF\xBD au lait with a long enough title to stay text");
}

TEST_CASE("analyze: order auto on a file written to cc-sdd 3.0.2's rules") {
  test::TempDir dir;
  make_spec(dir, "bm", fixture("cc-sdd3-bookmarks.md"));
  test::write_text(dir / ".claude/skills/kiro-impl/SKILL.md", "---\nname: kiro-impl\n---\n");
  auto r = test::run_kp({"analyze", "bm", "--json", "-C", dir.path().string()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["order"] == "strict");
  CHECK(contains(j["order_reason"].get<std::string>(), "(P) on 3 tasks"));
  CHECK(j["prompt"]["template"] == "/kiro-impl {spec} {task}");
  CHECK(j["implementation_notes"] == 2);
  // Integration (3.1) never starts with the foundation; the (P) run 2.1-2.3 waits for 1.x and 2.4 for the run.
  CHECK(j["waves"] == nlohmann::json::parse(R"([["1.1"],["1.2"],["2.1","2.2","2.3"],["2.4"],["2.5"]])"));
  auto find = [&](const std::string& id) {
    for (const auto& t : j["tasks"]) if (t["id"] == id) return t;
    FAIL("no task " << id);
    return nlohmann::json();
  };
  CHECK(find("2.1")["boundary"] == nlohmann::json::parse(R"(["TagService"])"));
  CHECK(find("2.2")["contracts"] == "SearchIndex query API");
  CHECK(find("2.4")["deps"] == nlohmann::json::parse(R"(["2.1","2.2","2.3"])"));
  CHECK(find("3.1")["status"] == "blocked");
  CHECK(contains(find("3.1")["blocked_reason"].get<std::string>(), "sync API"));
  bool overlap = false;
  for (const auto& w : j["warnings"]) {
    overlap = overlap || contains(w["message"].get<std::string>(), "tasks 2.1 and 2.3 may run at the same time and both name boundary TagService");
  }
  CHECK(overlap);
  auto human = test::run_kp({"analyze", "bm", "-C", dir.path().string()});
  CHECK(contains(human.out, "Order:     strict  (each task waits for the tasks before it unless (P); the file marks"));
  CHECK(contains(human.out, "Prompt:    /kiro-impl bm <task>  (from cc-sdd skill .claude/skills/kiro-impl/SKILL.md)"));
  CHECK(contains(human.out, "Notes:     2 lines under ## Implementation Notes"));
}

TEST_CASE("analyze: the DAG orchestrator's format, and majors' warning when a file has no (P)") {
  test::TempDir dir;
  make_spec(dir, "dag", fixture("dag-orchestrator-plan.md"));
  auto r = test::run_kp({"analyze", "dag", "--json", "-C", dir.path().string()});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["order"] == "declared");
  CHECK(j["waves"] == nlohmann::json::parse(R"([["CORE-1","CORE-2"],["STEP-1","STEP-2","STEP-10"],["PUBLISH-1"]])"));
  CHECK(j["tasks"][0]["group"] == "Groundwork");
  CHECK(j["warnings"].empty());
  auto human = test::run_kp({"analyze", "dag", "-C", dir.path().string()});
  CHECK(contains(human.out, "CORE-1     Version model and changelog parser [Groundwork]"));
  auto mermaid = test::run_kp({"analyze", "dag", "--mermaid", "-C", dir.path().string()});
  CHECK(contains(mermaid.out, "tCORE_2 --> tSTEP_10"));
  make_spec(dir, "plain", "- [ ] 1. A\n- [ ] 1.1 a\n- [ ] 2. B\n- [ ] 2.1 b\n");
  auto plain = test::run_kp({"analyze", "plain", "-C", dir.path().string()});
  CHECK(contains(plain.out, "Order:     majors"));
  CHECK(contains(plain.out, "no (P) markers, so order auto assumes major tasks are independent"));
}
