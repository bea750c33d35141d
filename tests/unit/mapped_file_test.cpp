// A file mapped for reading (analyze of a large tasks.md): the bytes as in
// the file, and a file cut short meanwhile ends the process with a message,
// not a crash.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "common/error.hpp"
#include "common/mapped_file.hpp"
#include "test_support.hpp"

using namespace kp;

namespace {

struct ChildEnd {
  int status = 0;
  std::string err;  // what the child wrote to stderr
};

// Runs `body` in a child process whose stderr is captured.
template <class Body>
ChildEnd in_child(Body body) {
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::dup2(pipe_fds[1], STDERR_FILENO);
    ::close(pipe_fds[0]);
    body();
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  ChildEnd end;
  char buffer[512];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) end.err.append(buffer, size_t(n));
  ::close(pipe_fds[0]);
  REQUIRE(::waitpid(child, &end.status, 0) == child);
  return end;
}

}  // namespace

TEST_CASE("a mapped file holds the file's bytes; missing, empty and folder are told apart") {
  test::TempDir dir;
  const std::string text(100000, 'x');
  test::write_text(dir / "big.md", text + "end\n");
  auto mapped = MappedFile::open(dir / "big.md");
  REQUIRE(mapped);
  CHECK(*mapped);
  CHECK(mapped->bytes() == text + "end\n");
  // Moved: the new owner holds the mapping, the old one nothing.
  MappedFile owner = std::move(*mapped);
  CHECK(owner.bytes().size() == text.size() + 4);
  CHECK_FALSE(*mapped);
  CHECK(mapped->bytes().empty());

  CHECK_FALSE(MappedFile::open(dir / "missing.md").has_value());
  test::write_text(dir / "empty.md", "");
  auto empty = MappedFile::open(dir / "empty.md");
  REQUIRE(empty);
  CHECK(empty->bytes().empty());
  CHECK_THROWS_AS(MappedFile::open(dir.path()), RuntimeError);
}

TEST_CASE("a mapped file cut short by another program ends the process with a message naming it") {
  test::TempDir dir;
  const auto path = dir / "tasks.md";
  test::write_text(path, std::string(64 * 1024, 'x'));
  ChildEnd end = in_child([&] {
    auto mapped = MappedFile::open(path);
    std::filesystem::resize_file(path, 0);  // an editor saving in place
    volatile char c = mapped->bytes()[40000];  // a page the file no longer has
    (void)c;
  });
  REQUIRE(WIFEXITED(end.status));
  CHECK(WEXITSTATUS(end.status) == kExitFailure);
  CHECK(end.err.find(path.string()) != std::string::npos);
  CHECK(end.err.find("cut short") != std::string::npos);
}

TEST_CASE("a SIGBUS outside any mapped file keeps its default action") {
  test::TempDir dir;
  test::write_text(dir / "tasks.md", std::string(8192, 'x'));
  ChildEnd end = in_child([&] {
    auto mapped = MappedFile::open(dir / "tasks.md");  // the handler is installed
    ::raise(SIGBUS);
  });
  REQUIRE(WIFSIGNALED(end.status));
  CHECK(WTERMSIG(end.status) == SIGBUS);
  CHECK(end.err.empty());
}
