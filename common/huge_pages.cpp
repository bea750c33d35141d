#include "common/huge_pages.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>

#include <malloc.h>

namespace kp {

void advise_huge_pages(const void* data, size_t bytes) {
  constexpr uintptr_t kHuge = uintptr_t(2) << 20;
  const auto start = reinterpret_cast<uintptr_t>(data);
  const uintptr_t first = (start + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t last = (start + bytes) & ~(kHuge - 1);
  if (data == nullptr || last <= first) return;  // smaller than one huge page: nothing to gain
#ifdef MADV_HUGEPAGE
  (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);  // advice: failure changes nothing
#endif
}

void grow_heap_in_huge_pages(size_t bytes) {
  bytes = std::min<size_t>(bytes, INT_MAX / 2);
  mallopt(M_TRIM_THRESHOLD, INT_MAX);  // free() of the block below must not give it back
  mallopt(M_MMAP_MAX, 0);              // the block from the heap, not a mapping of its own
  void* block = std::malloc(bytes);
  mallopt(M_MMAP_MAX, 65536);          // glibc's default again: large blocks are mappings (advised by their owners)
  if (block == nullptr) return;        // no room to grow: nothing changes
  advise_huge_pages(block, bytes);
  std::free(block);  // the heap's top now: later allocations are carved from it
}

}  // namespace kp
