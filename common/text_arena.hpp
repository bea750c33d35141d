// Strings that stay where they are: each kept string is copied once into a
// large block and handed out as a view that lives as long as the arena. For
// parsers whose results are views: one allocation per block, not per string.
#pragma once
#include <memory>
#include <string_view>
#include <vector>

namespace kp {

class TextArena {
 public:
  TextArena() = default;
  TextArena(TextArena&&) = default;
  TextArena& operator=(TextArena&&) = default;

  // A copy of `text` that stays valid, unchanged, while the arena lives.
  std::string_view keep(std::string_view text);

 private:
  static constexpr size_t kBlock = 64 * 1024;
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* free_ = nullptr;  // the unused end of the newest block
  size_t left_ = 0;
};

}  // namespace kp
