#include <doctest/doctest.h>

#include "common/ansi.hpp"

using kp::strip_ansi;

TEST_CASE("strip_ansi removes colours and cursor movement and keeps the text") {
  CHECK(strip_ansi("\x1b[1;32m✻ Working…\x1b[0m (3s)") == "✻ Working… (3s)");
  CHECK(strip_ansi("a\x1b[2Kb\x1b[10;4Hc") == "abc");
  CHECK(strip_ansi("\x1b[?25l\x1b[?2004hready") == "ready");
  CHECK(strip_ansi("plain ❯ text\n") == "plain ❯ text\n");
}

TEST_CASE("strip_ansi removes OSC strings ended by BEL or ST, and DCS strings") {
  CHECK(strip_ansi("\x1b]0;window title\x07" "after") == "after");
  CHECK(strip_ansi("\x1b]8;;https://x.y\x1b\\link\x1b]8;;\x1b\\") == "link");
  CHECK(strip_ansi("\x1bPtmux;data\x1b\\x") == "x");
}

TEST_CASE("strip_ansi removes charset and two-byte escapes, carriage returns and other controls") {
  CHECK(strip_ansi("\x1b(Bline\x1b=\x1b>") == "line");
  CHECK(strip_ansi("one\r\ntwo\r") == "one\ntwo");
  CHECK(strip_ansi("tab\there\x07\x08") == "tab\there");
}

TEST_CASE("strip_ansi survives sequences cut off at the end") {
  CHECK(strip_ansi("text\x1b") == "text");
  CHECK(strip_ansi("text\x1b[1;3") == "text");
  CHECK(strip_ansi("text\x1b]0;no end") == "text");
  CHECK(strip_ansi("") == "");
}
