#include <sys/stat.h>

#include <doctest/doctest.h>

#include "common/control_channel.hpp"
#include "test_support.hpp"

using namespace kp;

TEST_CASE("control requests: one line each way; malformed lines are refused") {
  auto r = parse_control_request(format_control_request({"stop-task", "1.2", 3}));
  REQUIRE(r.has_value());
  CHECK(r->verb == "stop-task");
  CHECK(r->task == "1.2");
  CHECK(r->worker == 3);
  CHECK(parse_control_request("stop-all")->verb == "stop-all");
  CHECK_FALSE(parse_control_request("stop-task").has_value());
  CHECK_FALSE(parse_control_request("stop-task -1 1.2").has_value());
  CHECK_FALSE(parse_control_request("rm -rf /").has_value());
  CHECK_FALSE(parse_control_request("").has_value());
}

TEST_CASE("the control FIFO: requests reach the reader; with no reader, sending says so") {
  test::TempDir dir;
  const auto path = dir / ".master.ctl";
  CHECK_FALSE(send_control_request(path, {"stop-all", "", -1}));  // no FIFO at all
  {
    ControlFifo fifo(path);
    CHECK(fifo.read_requests().empty());
    CHECK(send_control_request(path, {"stop-task", "2.1", 0}));
    CHECK(send_control_request(path, {"stop-all", "", -1}));
    auto got = fifo.read_requests();
    REQUIRE(got.size() == 2);
    CHECK(got[0].task == "2.1");
    CHECK(got[1].verb == "stop-all");
  }
  CHECK_FALSE(std::filesystem::exists(path));
  // A FIFO left by a killed master: no reader, so no one is asked.
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  CHECK_FALSE(send_control_request(path, {"stop-all", "", -1}));
}
