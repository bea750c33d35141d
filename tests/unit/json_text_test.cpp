#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/json_text.hpp"

using namespace kp;

TEST_CASE("json_text: strings escaped as JSON, bad UTF-8 as U+FFFD, read back by a JSON parser") {
  std::string out;
  json_text::append_string(out, "a \"quoted\" \\ path\nline\ttab \x01 caf\xC3\xA9 \xFF end and a long plain run");
  CHECK(out == "\"a \\\"quoted\\\" \\\\ path\\nline\\ttab \\u0001 caf\xC3\xA9 \xEF\xBF\xBD end and a long plain run\"");
  CHECK(nlohmann::json::parse(out) == "a \"quoted\" \\ path\nline\ttab \x01 caf\xC3\xA9 \xEF\xBF\xBD end and a long plain run");
}

TEST_CASE("json_text: ids, lists and numbers") {
  std::string out;
  std::vector<std::string_view> ids{"1.2", "CORE-10"};
  json_text::append_ids(out, ids);
  out += ' ';
  json_text::append_strings(out, std::vector<std::string_view>{"x\"y"});
  out += ' ';
  json_text::append_int(out, -42);
  CHECK(out == "[\"1.2\",\"CORE-10\"] [\"x\\\"y\"] -42");
  json_text::append_ids(out, {});
  CHECK(out.ends_with("-42[]"));
}
