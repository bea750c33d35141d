// Decoding the interactive watch's keys from raw terminal bytes.
#include <doctest/doctest.h>

#include "master/watch_keys.hpp"

using namespace kp;

TEST_CASE("watch keys: arrows in CSI and SS3 form, Enter, Ctrl-C, letters; a cut sequence waits") {
  std::string in = "\033[A\033OBj\r\003q\033[5~\033[6~";
  auto keys = decode_keys(in, false);
  REQUIRE(keys.size() == 8);
  CHECK(keys[0].kind == WatchKey::up);
  CHECK(keys[1].kind == WatchKey::down);
  CHECK(keys[2] == WatchKey{WatchKey::character, 'j'});
  CHECK(keys[3].kind == WatchKey::enter);
  CHECK(keys[4].kind == WatchKey::interrupt);
  CHECK(keys[5] == WatchKey{WatchKey::character, 'q'});
  CHECK(keys[6].kind == WatchKey::page_up);
  CHECK(keys[7].kind == WatchKey::page_down);
  CHECK(in.empty());

  std::string cut = "\033[";
  CHECK(decode_keys(cut, false).empty());
  CHECK(cut == "\033[");  // the rest may come with the next read
  cut += "B";
  auto rest = decode_keys(cut, false);
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].kind == WatchKey::down);

  std::string esc = "\033";
  CHECK(decode_keys(esc, false).empty());
  auto lone = decode_keys(esc, true);  // nothing followed: a lone Esc
  REQUIRE(lone.size() == 1);
  CHECK(lone[0].kind == WatchKey::escape);

  std::string f5 = "\033[15~x";  // an F key is ignored, not read as letters
  auto after = decode_keys(f5, false);
  REQUIRE(after.size() == 1);
  CHECK(after[0] == WatchKey{WatchKey::character, 'x'});
}
