#include <doctest/doctest.h>

#include "common/text_width.hpp"

using kp::decode_utf8;
using kp::display_width;
using kp::fit_width;

TEST_CASE("decode_utf8 reads one to four bytes and says how many") {
  auto a = decode_utf8("a", 0);
  CHECK(a.code == U'a');
  CHECK(a.length == 1);
  auto e = decode_utf8("é", 0);
  CHECK(e.code == 0xE9);
  CHECK(e.length == 2);
  auto kanji = decode_utf8("漢", 0);
  CHECK(kanji.code == 0x6F22);
  CHECK(kanji.length == 3);
  auto rocket = decode_utf8("\xF0\x9F\x9A\x80", 0);
  CHECK(rocket.code == 0x1F680);
  CHECK(rocket.length == 4);
  CHECK(rocket.valid);
}

TEST_CASE("decode_utf8 reads invalid bytes as U+FFFD, one byte at a time") {
  for (std::string_view bad : {"\xFF", "\x80", "\xC3", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                               "\xE6\xBC"}) {
    auto ch = decode_utf8(bad, 0);
    CHECK_FALSE(ch.valid);
    CHECK(ch.code == 0xFFFD);
    CHECK(ch.length == 1);
  }
}

TEST_CASE("display_width: wide CJK and emoji take two columns, combining marks none") {
  CHECK(display_width("") == 0);
  CHECK(display_width("abc") == 3);
  CHECK(display_width("日本語") == 6);
  CHECK(display_width("한국어") == 6);
  CHECK(display_width("ＡＢ") == 4);  // fullwidth forms
  CHECK(display_width("e\xCC\x81") == 1);  // e + COMBINING ACUTE ACCENT
  CHECK(display_width("\xF0\x9F\x9A\x80 go") == 5);  // 🚀
  CHECK(display_width("\xE2\x9C\x85") == 2);  // ✅
  CHECK(display_width("▶ ✻ …") == 5);  // narrow symbols stay narrow
  CHECK(display_width("a\xFF" "b") == 3);  // an invalid byte shows as one replacement character
  CHECK(display_width("\xE2\x80\x8B") == 0);  // zero width space
}

TEST_CASE("fit_width cuts at a character boundary by columns and marks the cut") {
  CHECK(fit_width("abcdef", 10) == "abcdef");
  CHECK(fit_width("abcdef", 6) == "abcdef");
  CHECK(fit_width("abcdef", 4) == "abc…");
  CHECK(fit_width("abcdef", 0) == "abcdef");
  CHECK(fit_width("日本語テキスト", 7) == "日本語…");  // 3 wide characters and the ellipsis
  CHECK(fit_width("日本語テキスト", 6) == "日本…");    // a wide character never half fits
  CHECK(display_width(fit_width("日本語テキスト", 6)) <= 6);
  CHECK(fit_width("cafe\xCC\x81s and more", 5) == "cafe\xCC\x81…");  // the mark stays with its letter
  CHECK(fit_width("\xF0\x9F\x9A\x80\xF0\x9F\x9A\x80\xF0\x9F\x9A\x80", 5) == "\xF0\x9F\x9A\x80\xF0\x9F\x9A\x80…");
}

TEST_CASE("append_fit_width appends what fit_width returns and says its columns") {
  for (std::string_view text : {"abcdef", "caf\xC3\xA9 au lait", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E text", ""}) {
    for (int width : {0, 1, 3, 6, 40}) {
      std::string out = "> ";
      const size_t columns = kp::append_fit_width(out, text, width);
      CHECK(out == "> " + fit_width(text, width));
      CHECK(columns == kp::display_width(out.substr(2)));
    }
  }
}
