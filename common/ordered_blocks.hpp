// Output made in blocks by two threads and written in order: each thread
// makes every other block into a buffer of its own and writes it as soon as
// the block before it is written. Two buffers of a block each, never the
// whole output held in memory (analyze --json: 30 MB for 100,000 tasks).
#pragma once
#include <cstddef>
#include <cstdio>
#include <functional>

#include "common/buffered_writer.hpp"

namespace kp {

// make(block, writer) appends the text of block `block` (0 <= block < blocks)
// to `writer` (room for `block_bytes` is reserved); the blocks reach `out` in
// order. What a make throws is rethrown once both threads have stopped; the
// output then ends with a whole block before the one that threw.
void write_blocks_in_turn(std::FILE* out, size_t blocks, size_t block_bytes,
                          const std::function<void(size_t block, BufferedWriter& writer)>& make);

}  // namespace kp
