#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "common/start_gate.hpp"
#include "test_support.hpp"

using namespace kp;
using namespace std::chrono_literals;

TEST_CASE("the start gate lets at most K in and the next one in when a slot is released") {
  test::TempDir dir;
  StartGate gate(dir.path(), 2);
  auto a = gate.try_enter();
  auto b = gate.try_enter();
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(a->held());
  CHECK_FALSE(gate.try_enter().has_value());
  a->release();
  CHECK_FALSE(a->held());
  auto c = gate.try_enter();
  CHECK(c.has_value());
  CHECK_FALSE(gate.try_enter().has_value());
}

TEST_CASE("the start gate bounds concurrent starters across threads, and gives way to stop") {
  test::TempDir dir;
  constexpr int kSlots = 3, kThreads = 12;
  StartGate gate(dir.path(), kSlots, 2ms);
  std::atomic<int> inside{0}, most{0}, entered{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      auto slot = gate.enter(stop);
      if (!slot) return;
      int now = ++inside;
      for (int m = most; now > m && !most.compare_exchange_weak(m, now);) {
      }
      std::this_thread::sleep_for(15ms);
      --inside;
      ++entered;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(entered == kThreads);
  CHECK(most <= kSlots);
  CHECK(most >= 2);  // the gate is not a plain mutex

  auto held = gate.try_enter();
  auto held2 = gate.try_enter();
  auto held3 = gate.try_enter();
  REQUIRE(held3.has_value());
  stop = true;
  CHECK_FALSE(gate.enter(stop).has_value());  // full, and stopping: returns
}

TEST_CASE("a start slot held by a process that dies is free again") {
  test::TempDir dir;
  StartGate gate(dir.path(), 1);
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  pid_t child = ::fork();
  if (child == 0) {
    auto slot = gate.try_enter();
    char c = slot ? 'y' : 'n';
    (void)!::write(ready[1], &c, 1);
    ::pause();
    _exit(0);
  }
  char c = 0;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  CHECK(c == 'y');
  CHECK_FALSE(gate.try_enter().has_value());
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  CHECK(gate.try_enter().has_value());
  ::close(ready[0]);
  ::close(ready[1]);
}

TEST_CASE("no gate when K is 0, and two starts per core by default") {
  test::TempDir dir;
  StartGate gate(dir.path(), 0);
  auto a = gate.try_enter(), b = gate.try_enter(), c = gate.try_enter();
  CHECK((a && b && c));
  CHECK_FALSE(a->held());
  CHECK(default_max_starting(2) == 4);
  CHECK(default_max_starting(0) == 2);
  CHECK(default_max_starting(16) == 32);
}
