// The agent's measured footprint: /proc parsing, the tree sum, the meter and
// the per-profile record that `--max-parallel auto` reads back.
#include <doctest/doctest.h>

#include <unistd.h>

#include <fstream>

#include "common/agent_footprint.hpp"
#include "test_support.hpp"

using namespace kp;

TEST_CASE("a /proc stat line is read past a command name with spaces and parentheses") {
  const std::string line =
      "4242 (node (claude) x) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0 1000 900000000 30000 "
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";
  auto s = parse_proc_stat(line);
  REQUIRE(s);
  CHECK(s->pid == 4242);
  CHECK(s->ppid == 17);
  CHECK(s->cpu_ticks == 300);
  CHECK(s->rss_pages == 30000);
  CHECK_FALSE(parse_proc_stat("garbage"));
}

TEST_CASE("the tree sums the root and every descendant, and nothing else") {
  const std::vector<ProcStat> all = {
      {1, 0, 999, 999}, {10, 1, 100, 50}, {11, 10, 200, 150}, {12, 11, 300, 100}, {20, 1, 5000, 5000},
  };
  auto tree = sum_tree(10, all, 4096, 100);
  CHECK(tree.processes == 3);
  CHECK(tree.rss_bytes == 600 * 4096);
  CHECK(tree.cpu_seconds == doctest::Approx(3.0));
  CHECK(sum_tree(99, all, 4096, 100).processes == 0);
}

TEST_CASE("this process's own tree is sampled from /proc") {
  auto me = sample_process_tree(::getpid());
  CHECK(me.processes >= 1);
  CHECK(me.rss_bytes > 0);
}

TEST_CASE("the meter gives peak memory and average cores, only after a long enough look") {
  FootprintMeter meter;
  meter.add({100 << 20, 10.0, 3}, 1000);
  CHECK_FALSE(meter.result());
  meter.add({300 << 20, 11.0, 4}, 1002);
  CHECK_FALSE(meter.result());  // 2 s: too short
  meter.add({200 << 20, 13.0, 4}, 1010);
  auto f = meter.result();
  REQUIRE(f);
  CHECK(f->bytes == 300LL << 20);
  CHECK(f->cores == doctest::Approx(0.3));
  meter.add({0, 0, 0}, 1020);  // the tree is gone: not a sample
  CHECK(meter.result()->cores == doctest::Approx(0.3));
}

TEST_CASE("the recorded footprint is the median of the profile's last records; others and torn lines do not count") {
  test::TempDir dir;
  const auto log = footprint_log_path(dir.path());
  CHECK_FALSE(measured_footprint(log, "claude"));
  append_footprint(log, {"claude", "1.1", 200 << 20, 0.2, 30});
  append_footprint(log, {"codex", "1.2", 900 << 20, 0.9, 30});
  append_footprint(log, {"claude", "1.3", 400 << 20, 0.4, 30});
  append_footprint(log, {"claude", "1.4", 300 << 20, 0.3, 30});
  { std::ofstream(log, std::ios::app) << "{\"profile\":\"claude\",\"rss_by"; }
  auto f = measured_footprint(log, "claude");
  REQUIRE(f);
  CHECK(f->bytes == 300LL << 20);
  CHECK(f->cores == doctest::Approx(0.3));
  CHECK(f->source == "measured for claude over 3 tasks");
  auto chosen = choose_workers({8, 16LL << 30}, *f, 100);
  CHECK(chosen.workers == 26);  // 8 cores / 0.3
  CHECK(chosen.reason.find("measured for claude over 3 tasks") != std::string::npos);
}
