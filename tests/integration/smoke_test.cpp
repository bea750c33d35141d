#include <doctest/doctest.h>

#include "test_support.hpp"

using namespace kp;

TEST_CASE("the binary answers --help and rejects an unknown command with exit 2") {
  auto help = test::run_kp({"--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("analyze") != std::string::npos);
  auto bad = test::run_kp({"no-such-command"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("unknown command") != std::string::npos);
}

TEST_CASE("-C may stand before the command, as with git") {
  test::TempDir dir;
  auto r = test::run_kp({"-C", dir.path().string(), "status", "nospec"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no spec 'nospec'") != std::string::npos);
  CHECK(r.err.find(dir.path().string()) != std::string::npos);
}
