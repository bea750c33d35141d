// The keys the interactive watch understands, decoded from the bytes a
// terminal in raw mode sends (arrows as CSI or SS3 sequences). Pure.
#pragma once
#include <string>
#include <vector>

namespace kp {

struct WatchKey {
  enum Kind { up, down, page_up, page_down, enter, escape, interrupt, character } kind = character;
  char ch = 0;  // character: the byte
  bool operator==(const WatchKey& o) const { return kind == o.kind && ch == o.ch; }
};

// Decodes whole keys from the front of `pending` and removes them; an escape
// sequence cut short stays for the next read unless `flush` (no more bytes
// came: a lone Esc).
std::vector<WatchKey> decode_keys(std::string& pending, bool flush);

}  // namespace kp
