// --max-parallel auto on made-up machines.
#include <doctest/doctest.h>

#include <string>

#include "common/machine_capacity.hpp"

using namespace kp;

namespace {

constexpr long long kGiB = 1LL << 30;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("auto workers: cores bound a big-memory machine") {
  AutoWorkers a = choose_workers({2, 64 * kGiB}, assumed_footprint("claude"), 100);
  CHECK(a.workers == 6);  // 2 cores / (1/3 core)
  CHECK(contains(a.reason, "2 cores"));
  CHECK(contains(a.reason, "64 GB free"));
  CHECK(contains(a.reason, "~300 MB and 1/3 core per agent (assumed for claude)"));
}

TEST_CASE("auto workers: memory bounds a small machine") {
  AutoWorkers a = choose_workers({16, 1200LL << 20}, assumed_footprint("claude"), 100);
  CHECK(a.workers == 4);  // 1200 MB / 300 MB
  CHECK(contains(a.reason, "memory-bound"));
}

TEST_CASE("auto workers: the plan's width caps, and at least one runs") {
  AutoWorkers a = choose_workers({8, 20 * kGiB}, assumed_footprint("codex"), 3);
  CHECK(a.workers == 3);
  CHECK(contains(a.reason, "the plan runs at most 3 at once"));
  CHECK(contains(a.reason, "assumed for codex"));
  CHECK(choose_workers({1, 100LL << 20}, assumed_footprint("claude"), 5).workers == 1);
  CHECK(choose_workers({0, 0}, assumed_footprint("claude"), 7).workers == 7);  // nothing known: the plan decides
  CHECK(contains(choose_workers({0, 0}, assumed_footprint("claude"), 7).reason, "cores unknown"));
}

TEST_CASE("auto workers: this machine's facts are plausible") {
  MachineFacts m = read_machine_facts();
  CHECK(m.cores >= 1);
  CHECK(m.available_bytes > 0);
}
