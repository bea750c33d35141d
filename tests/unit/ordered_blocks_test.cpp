// Blocks made by two threads reach the output in order, and a block that
// cannot be made stops both threads without a hang.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <thread>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/ordered_blocks.hpp"

using namespace kp;

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

std::string read_all(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string text;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, f)) > 0;) text.append(buffer, n);
  return text;
}

// Block k: its number, then work that grows with k % 7, so that the two
// threads finish their blocks at different times.
void make_block(size_t block, BufferedWriter& out) {
  std::string text = "block " + std::to_string(block) + ":";
  for (size_t k = 0; k < 1000 * (block % 7); ++k) text += static_cast<char>('a' + k % 26);
  out.text() += text + "\n";
}

std::string expected(size_t blocks) {
  std::string text;
  for (size_t b = 0; b < blocks; ++b) {
    BufferedWriter one(nullptr);
    make_block(b, one);
    text += one.text();
  }
  return text;
}

}  // namespace

TEST_CASE("write_blocks_in_turn: every block once, in order, whichever thread made it") {
  for (size_t blocks : {0, 1, 2, 3, 200}) {
    std::unique_ptr<std::FILE, FileCloser> out(std::tmpfile());
    REQUIRE(out);
    write_blocks_in_turn(out.get(), blocks, 1024, make_block);
    CHECK(read_all(out.get()) == expected(blocks));
  }
}

TEST_CASE("write_blocks_in_turn: a block that throws stops both threads; what was written is the blocks before it, in order") {
  for (size_t bad : {0, 1, 7, 8}) {
    std::unique_ptr<std::FILE, FileCloser> out(std::tmpfile());
    REQUIRE(out);
    auto make = [bad](size_t block, BufferedWriter& w) {
      if (block == bad) throw std::runtime_error("block " + std::to_string(block) + " cannot be made");
      make_block(block, w);
    };
    CHECK_THROWS_WITH_AS(write_blocks_in_turn(out.get(), 50, 1024, make), doctest::Contains("cannot be made"),
                         std::runtime_error);
    const std::string text = read_all(out.get());
    CHECK(text.size() <= expected(bad).size());
    CHECK(expected(bad).compare(0, text.size(), text) == 0);  // some of the blocks before the bad one, whole
    CHECK((text.empty() || text.back() == '\n'));
  }
}

TEST_CASE("write_blocks_in_turn: a block that throws while the other thread writes its block ends both threads") {
  // The thread of block 9 throws while the other thread is still writing
  // block 8 (the output holds block 8 for 50 ms): the turn must stay failed,
  // or the writer of block 8 goes on to block 10 and waits forever for block 9.
  struct SlowOutput {
    static ssize_t write(void*, const char* data, size_t size) {
      if (std::string_view(data, size).find("block 8:") != std::string_view::npos)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      return static_cast<ssize_t>(size);
    }
  };
  cookie_io_functions_t io{};
  io.write = SlowOutput::write;
  std::unique_ptr<std::FILE, FileCloser> out(fopencookie(nullptr, "w", io));
  REQUIRE(out);
  std::setvbuf(out.get(), nullptr, _IONBF, 0);  // each block reaches the cookie as it is written
  auto make = [](size_t block, BufferedWriter& w) {
    if (block == 9) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // block 8 is being written by then
      throw std::runtime_error("block 9 cannot be made");
    }
    make_block(block, w);
  };
  auto done = std::async(std::launch::async, [&] {
    CHECK_THROWS_WITH_AS(write_blocks_in_turn(out.get(), 20, 1024, make), doctest::Contains("cannot be made"),
                         std::runtime_error);
  });
  if (done.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    std::fprintf(stderr, "write_blocks_in_turn hung: a thread waits for a block that will never come\n");
    std::_Exit(3);  // a hung thread cannot be joined: fail the run instead of hanging it
  }
  done.get();
}
