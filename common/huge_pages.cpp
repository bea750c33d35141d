#include "common/huge_pages.hpp"

#include <sys/mman.h>

#include <cstdint>

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

}  // namespace kp
