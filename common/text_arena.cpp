#include "common/text_arena.hpp"

#include <cstring>

namespace kp {

std::string_view TextArena::keep(std::string_view text) {
  if (text.empty()) return {};
  if (text.size() > left_) {
    // A string larger than a block gets a block of its own; the current one keeps its free end.
    const size_t size = text.size() > kBlock / 4 ? text.size() : kBlock;
    auto& block = blocks_.emplace_back(std::make_unique_for_overwrite<char[]>(size));
    if (size != kBlock) {
      std::memcpy(block.get(), text.data(), text.size());
      return {block.get(), text.size()};
    }
    free_ = block.get();
    left_ = size;
  }
  std::memcpy(free_, text.data(), text.size());
  std::string_view kept(free_, text.size());
  free_ += text.size();
  left_ -= text.size();
  return kept;
}

}  // namespace kp
