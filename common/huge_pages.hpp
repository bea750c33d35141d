// Large arrays filled once and read often (a spec's 100,000 tasks) cost more
// in page faults than in work: one fault per 4 KiB page touched. Asking the
// kernel for transparent huge pages over such an array makes it one fault per
// 2 MiB. Only advice: where the kernel says no, nothing changes.
#pragma once
#include <cstddef>
#include <vector>

namespace kp {

// madvise(MADV_HUGEPAGE) over the whole 2 MiB pages inside [data, data + bytes).
void advise_huge_pages(const void* data, size_t bytes);

// The same over a vector's reserved storage (call after reserve()).
template <typename T, typename A>
void advise_huge_pages(const std::vector<T, A>& v) {
  advise_huge_pages(v.data(), v.capacity() * sizeof(T));
}

}  // namespace kp
