// Counts the open SSE streams, and gives the memory of a large burst of streams back to the system when its
// last stream ends.
#pragma once

namespace parley::net {

// Held by each SSE stream for its lifetime. When the last stream of a large burst ends, the heap is trimmed:
// glibc keeps what the burst freed in its arenas, and the process would otherwise stay at the burst's peak.
class OpenStream {
 public:
  OpenStream();
  ~OpenStream();
  OpenStream(const OpenStream&) = delete;
  OpenStream& operator=(const OpenStream&) = delete;

  // Streams open now (for tests).
  [[nodiscard]] static int open_count();
};

}  // namespace parley::net
