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

// Grows the heap now by `bytes` of address space advised for huge pages and
// keeps it there: what malloc hands out of it later faults in 2 MiB at a
// time. For a process about to allocate that much in pieces too small for
// the advice above (analyze of a large file). Sets malloc to keep what is
// freed (M_TRIM_THRESHOLD): the heap never shrinks after this.
void grow_heap_in_huge_pages(size_t bytes);

// The same over a vector's reserved storage (call after reserve()).
template <typename T, typename A>
void advise_huge_pages(const std::vector<T, A>& v) {
  advise_huge_pages(v.data(), v.capacity() * sizeof(T));
}

}  // namespace kp
