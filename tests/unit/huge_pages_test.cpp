// The huge-page advice analyze relies on for a large file, read back from
// the kernel's own account of the process's mappings (/proc/self/smaps).
#include <doctest/doctest.h>

#include <sys/mman.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/huge_pages.hpp"

namespace {

struct Mapping {
  uintptr_t begin = 0, end = 0;
  std::string name;  // "[heap]", a path, or empty
  bool huge_advised = false;  // VmFlags has "hg" (MADV_HUGEPAGE)
};

std::vector<Mapping> mappings() {
  std::vector<Mapping> out;
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  while (std::getline(smaps, line)) {
    if (line.starts_with("VmFlags:")) {
      if (!out.empty()) out.back().huge_advised = (line + " ").find(" hg ") != std::string::npos;
      continue;
    }
    const auto dash = line.find('-');
    const auto space = line.find(' ');
    if (dash == std::string::npos || space == std::string::npos || dash > space) continue;
    if (line.find_first_not_of("0123456789abcdef") != dash) continue;  // a field line, not a mapping's
    Mapping m;
    m.begin = std::stoull(line.substr(0, dash), nullptr, 16);
    m.end = std::stoull(line.substr(dash + 1, space - dash - 1), nullptr, 16);
    std::istringstream rest(line.substr(space));
    std::string perms, offset, device, inode;
    rest >> perms >> offset >> device >> inode >> m.name;
    out.push_back(m);
  }
  return out;
}

bool huge_pages_offered() {
  std::ifstream enabled("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string modes;
  std::getline(enabled, modes);
  return modes.find("[never]") == std::string::npos && !modes.empty();
}

size_t huge_advised_heap_bytes() {
  size_t bytes = 0;
  for (const auto& m : mappings()) {
    if (m.name == "[heap]" && m.huge_advised) bytes += m.end - m.begin;
  }
  return bytes;
}

}  // namespace

TEST_CASE("advise_huge_pages advises the whole 2 MiB pages of a block, and only those") {
  if (!huge_pages_offered()) {
    MESSAGE("skipped: this kernel offers no transparent huge pages");
    return;
  }
  constexpr size_t kHuge = size_t(2) << 20;
  const size_t length = 8 * kHuge;
  void* raw = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  REQUIRE(raw != MAP_FAILED);
  const auto base = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t first_huge = (base + kHuge - 1) & ~(kHuge - 1);
  // A block from 1 MiB past the first huge boundary to 1 MiB before the last:
  // its whole huge pages are the ones in between.
  const uintptr_t from = first_huge + kHuge / 2;
  const uintptr_t to = first_huge + 5 * kHuge + kHuge / 2;
  kp::advise_huge_pages(reinterpret_cast<void*>(from), to - from);
  size_t advised = 0;
  for (const auto& m : mappings()) {
    if (!m.huge_advised || m.end <= base || m.begin >= base + length) continue;
    CHECK(m.begin >= first_huge + kHuge);
    CHECK(m.end <= first_huge + 5 * kHuge);
    advised += m.end - m.begin;
  }
  CHECK(advised == 4 * kHuge);
  munmap(raw, length);
}

TEST_CASE("grow_heap_in_huge_pages leaves the heap with that much address space advised for huge pages") {
  if (!huge_pages_offered()) {
    MESSAGE("skipped: this kernel offers no transparent huge pages");
    return;
  }
  const size_t before = huge_advised_heap_bytes();
  const size_t bytes = size_t(64) << 20;
  kp::grow_heap_in_huge_pages(bytes);
  // The block's whole huge pages: all of it but at most one partial page at each end.
  CHECK(huge_advised_heap_bytes() >= before + bytes - (size_t(4) << 20));
}
