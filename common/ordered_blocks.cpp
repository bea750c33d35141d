#include "common/ordered_blocks.hpp"

#include <atomic>
#include <cstdint>
#include <exception>
#include <future>

namespace kp {

void write_blocks_in_turn(std::FILE* out, size_t blocks, size_t block_bytes,
                          const std::function<void(size_t block, BufferedWriter& writer)>& make) {
  constexpr size_t kFailed = SIZE_MAX;
  std::atomic<size_t> turn{0};  // the next block to write; kFailed once a make has thrown
  auto write_every_other = [&](size_t first) {
    try {
      BufferedWriter buffer(nullptr, block_bytes);
      for (size_t block = first; block < blocks; block += 2) {
        make(block, buffer);
        size_t now = turn.load();
        for (; now != block && now != kFailed; now = turn.load()) turn.wait(now);
        if (now == kFailed) return;
        buffer.flush_to(out);
        turn.store(block + 1);
        turn.notify_all();
      }
    } catch (...) {
      turn.store(kFailed);  // the other thread stops waiting
      turn.notify_all();
      throw;
    }
  };
  auto odd = std::async(std::launch::async, write_every_other, 1);
  std::exception_ptr failed;
  try {
    write_every_other(0);
  } catch (...) {
    failed = std::current_exception();
  }
  odd.get();  // rethrows what the other thread threw
  if (failed) std::rethrow_exception(failed);
}

}  // namespace kp
