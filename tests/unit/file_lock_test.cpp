#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "common/file_lock.hpp"
#include "test_support.hpp"

using namespace kp;

TEST_CASE("a file lock excludes another process and is released on unlock and on death") {
  test::TempDir dir;
  auto path = dir / ".task_lock";
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  pid_t child = ::fork();
  if (child == 0) {
    auto lock = FileLock::acquire(path);
    char c = 'x';
    (void)!::write(ready[1], &c, 1);
    ::pause();  // holds the lock until killed
    _exit(0);
  }
  char c;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  CHECK(lock_held_by_other_process(path));
  CHECK_FALSE(FileLock::try_acquire(path).has_value());
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  // The kernel dropped the dead process's lock: liveness is the lock, not a pid.
  CHECK_FALSE(lock_held_by_other_process(path));
  auto mine = FileLock::try_acquire(path);
  CHECK(mine.has_value());
  ::close(ready[0]);
  ::close(ready[1]);
}

TEST_CASE("a file lock is exclusive between threads of one process") {
  test::TempDir dir;
  auto path = dir / "lock";
  auto first = FileLock::acquire(path);
  CHECK_FALSE(FileLock::try_acquire(path).has_value());
  CHECK_FALSE(lock_held_by_other_process(path));  // held by us, not by another process
}
