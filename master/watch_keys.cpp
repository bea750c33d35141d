#include "master/watch_keys.hpp"

namespace kp {

namespace {

// CSI final bytes and "~" codes: A up, B down, 5~ page up, 6~ page down.
bool csi_key(const std::string& params, char final, WatchKey& key) {
  if (final == 'A') key.kind = WatchKey::up;
  else if (final == 'B') key.kind = WatchKey::down;
  else if (final == '~' && params == "5") key.kind = WatchKey::page_up;
  else if (final == '~' && params == "6") key.kind = WatchKey::page_down;
  else return false;
  return true;
}

}  // namespace

std::vector<WatchKey> decode_keys(std::string& pending, bool flush) {
  std::vector<WatchKey> keys;
  size_t i = 0;
  while (i < pending.size()) {
    const char c = pending[i];
    if (c == '\033') {
      if (i + 1 >= pending.size()) {
        if (!flush) break;
        keys.push_back({WatchKey::escape});
        ++i;
        continue;
      }
      const char intro = pending[i + 1];
      if (intro != '[' && intro != 'O') {  // Esc then a key: the Esc alone
        keys.push_back({WatchKey::escape});
        ++i;
        continue;
      }
      size_t j = i + 2;
      while (j < pending.size() && (pending[j] < 0x40 || pending[j] > 0x7e)) ++j;  // parameter bytes
      if (j >= pending.size()) {
        if (!flush) break;
        i = pending.size();  // a sequence cut off for good: dropped
        continue;
      }
      WatchKey key;
      if (csi_key(pending.substr(i + 2, j - i - 2), pending[j], key)) keys.push_back(key);
      i = j + 1;  // unknown sequences (F keys, Home, ...) are ignored
      continue;
    }
    if (c == '\r' || c == '\n') keys.push_back({WatchKey::enter});
    else if (c == 3) keys.push_back({WatchKey::interrupt});  // Ctrl-C: raw mode has no SIGINT
    else if (c == 14) keys.push_back({WatchKey::down});      // Ctrl-N
    else if (c == 16) keys.push_back({WatchKey::up});        // Ctrl-P
    else keys.push_back({WatchKey::character, c});
    ++i;
  }
  pending.erase(0, i);
  return keys;
}

}  // namespace kp
