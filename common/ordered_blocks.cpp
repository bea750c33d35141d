#include "common/ordered_blocks.hpp"

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <future>
#include <mutex>

namespace kp {

void write_blocks_in_turn(std::FILE* out, size_t blocks, size_t block_bytes,
                          const std::function<void(size_t block, BufferedWriter& writer)>& make) {
  constexpr size_t kFailed = SIZE_MAX;
  // The next block to write; kFailed once a make has thrown, for good: a
  // thread that was writing its block meanwhile must not move the turn on
  // past it (it did, and the other thread, gone, was waited for forever).
  size_t turn = 0;
  std::mutex mutex;
  std::condition_variable turned;
  auto set_turn = [&](size_t next) {
    {
      std::lock_guard lock(mutex);
      if (turn != kFailed) turn = next;
    }
    turned.notify_all();
  };
  auto write_every_other = [&](size_t first) {
    try {
      BufferedWriter buffer(nullptr, block_bytes);
      for (size_t block = first; block < blocks; block += 2) {
        make(block, buffer);
        {
          std::unique_lock lock(mutex);
          turned.wait(lock, [&] { return turn == block || turn == kFailed; });
          if (turn == kFailed) return;
        }
        buffer.flush_to(out);
        set_turn(block + 1);
      }
    } catch (...) {
      set_turn(kFailed);  // the other thread stops waiting
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
