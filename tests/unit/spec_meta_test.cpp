#include <doctest/doctest.h>

#include "common/spec_meta.hpp"
#include "test_support.hpp"

using namespace kp;

TEST_CASE("spec.json: fields read, unapproved tasks warn") {
  auto meta = parse_spec_json(R"({"feature_name":"todo","phase":"tasks-generated",
    "approvals":{"requirements":{"generated":true,"approved":true},"tasks":{"generated":true,"approved":false}}})",
                              "spec.json");
  CHECK(meta.feature_name == "todo");
  CHECK(meta.phase == "tasks-generated");
  CHECK(meta.tasks_generated == true);
  CHECK(meta.tasks_approved == false);
  REQUIRE(meta.warnings.size() == 1);
  CHECK(meta.warnings[0].message.find("not approved") != std::string::npos);
}

TEST_CASE("spec.json read leniently") {
  CHECK(parse_spec_json(R"({"approvals":{"tasks":{"approved":true}}})", "s").warnings.empty());
  CHECK(parse_spec_json(R"({"feature_name": 7})", "s").feature_name == "7");
  CHECK(parse_spec_json(R"({})", "s").warnings.empty());
  auto bad = parse_spec_json("{not json", "spec.json");
  REQUIRE(bad.warnings.size() == 1);
  CHECK(bad.warnings[0].message.find("spec.json") != std::string::npos);
  CHECK(parse_spec_json(R"({"approvals":{"tasks":false}})", "s").warnings.size() == 1);
}

TEST_CASE(".config.kiro and no file at all") {
  auto kiro = parse_config_kiro(R"({"specId":"abc","workflowType":"requirements-first","specType":"feature"})", ".config.kiro");
  CHECK(kiro.kiro_spec_id == "abc");
  CHECK(kiro.workflow_type == "requirements-first");
  CHECK(parse_config_kiro("garbage", ".config.kiro").warnings.empty());

  test::TempDir dir;
  auto paths = SpecPaths::at(dir.path(), "demo");
  CHECK(load_spec_meta(paths).source.empty());
  test::write_text(paths.config_kiro, R"({"specId":"k1"})");
  CHECK(load_spec_meta(paths).kiro_spec_id == "k1");
  test::write_text(paths.spec_json, R"({"feature_name":"demo"})");
  CHECK(load_spec_meta(paths).feature_name == "demo");  // spec.json first
}
