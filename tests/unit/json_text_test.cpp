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

TEST_CASE("json_text: each put_ writes within the room its _room function gives, at worst") {
  // Written into a buffer of exactly that room, followed by guard bytes that must stay as they were.
  auto within = [](size_t room, auto put) {
    std::string buffer(room + 16, '#');
    char* end = put(buffer.data());
    CHECK(end <= buffer.data() + room);
    CHECK(buffer.substr(room) == std::string(16, '#'));
    return std::string(buffer.data(), end);
  };
  const std::string controls(40, '\x01');  // every byte six: \u0001
  CHECK(within(json_text::string_room(controls), [&](char* p) { return json_text::put_string(p, controls); }).size() ==
        json_text::string_room(controls));
  const std::string invalid(40, '\xFF');  // every byte U+FFFD, three bytes
  CHECK(nlohmann::json::parse(within(json_text::string_room(invalid),
                                     [&](char* p) { return json_text::put_string(p, invalid); })) ==
        [] {
          std::string s;
          for (int i = 0; i < 40; ++i) s += "\xEF\xBF\xBD";
          return s;
        }());
  std::vector<std::string_view> list{"\"\"", "\\", "\n\t\r", ""};
  CHECK(nlohmann::json::parse(within(json_text::strings_room(list), [&](char* p) { return json_text::put_strings(p, list); })) ==
        nlohmann::json::array({"\"\"", "\\", "\n\t\r", ""}));
  for (int value : {0, 7, -1, 2147483647, -2147483647 - 1}) {
    CHECK(within(json_text::kIntRoom, [&](char* p) { return json_text::put_int(p, value); }) == std::to_string(value));
  }
}

TEST_CASE("json_text: a byte to escape anywhere in a short or long string reads back as it was") {
  // Strings under 16 bytes are copied by a short path that hands any special byte to the general one.
  for (size_t length : {1, 2, 8, 15, 16, 17}) {
    for (char special : {'"', '\\', '\n', '\x01', '\x7f'}) {
      for (size_t at = 0; at < length; ++at) {
        std::string s(length, 'a');
        s[at] = special;
        std::string out;
        json_text::append_string(out, s);
        INFO(length << " " << at << " " << int(special));
        CHECK(nlohmann::json::parse(out) == s);
      }
    }
  }
}
