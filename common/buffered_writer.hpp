// Output written through one buffer of a fixed size: callers append text to
// text(), and the writer hands it to the stream in pieces of ~64 KiB. A report
// of 100,000 tasks (30 MB of JSON) then never sits whole in memory.
#pragma once
#include <cstdio>
#include <string>

namespace kp {

class BufferedWriter {
 public:
  // A null stream keeps the text in memory (`chunk` is then the room to
  // reserve) until flush_to: a part of a report written on another thread.
  explicit BufferedWriter(std::FILE* stream, size_t chunk = 64 * 1024) : stream_(stream), chunk_(chunk) {
    text_.reserve(chunk + chunk / 4);
  }
  ~BufferedWriter() { flush(); }
  BufferedWriter(const BufferedWriter&) = delete;
  BufferedWriter& operator=(const BufferedWriter&) = delete;

  std::string& text() { return text_; }
  // Room at the end of text() for a record of at most `bytes`, written
  // through the pointer returned (no check per piece); then wrote(end).
  char* room(size_t bytes) {
    const size_t at = text_.size();
    text_.resize(at + bytes);
    return text_.data() + at;
  }
  void wrote(const char* end) { text_.resize(static_cast<size_t>(end - text_.data())); }
  // Call between records: writes the buffer once it holds a chunk.
  void flush_if_full() {
    if (stream_ && text_.size() >= chunk_) flush();
  }
  void flush() {
    if (stream_) flush_to(stream_);
  }
  void flush_to(std::FILE* stream) {
    if (!text_.empty()) std::fwrite(text_.data(), 1, text_.size(), stream);
    text_.clear();
  }

 private:
  std::FILE* stream_;
  size_t chunk_;
  std::string text_;
};

}  // namespace kp
