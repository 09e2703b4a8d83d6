#include "net/open_streams.hpp"

#include <malloc.h>
#include <atomic>
#include <thread>

#include "core/metrics.hpp"

namespace parley::net {

namespace {

constexpr int kTrimAfter = 64;
std::atomic<int> open_streams{0};
std::atomic<int> burst_peak{0};
// Resolved once: a stream's open and close are an atomic add each.
prometheus::Gauge& streams_gauge = metrics::global().sse_streams_open();

}  // namespace

OpenStream::OpenStream() {
  const int n = ++open_streams;
  streams_gauge.Increment();
  int peak = burst_peak.load();
  while (n > peak && !burst_peak.compare_exchange_weak(peak, n)) {
  }
}

OpenStream::~OpenStream() {
  streams_gauge.Decrement();
  if (--open_streams == 0 && burst_peak.exchange(0) >= kTrimAfter) {
    // On a thread of its own: trimming walks the whole heap.
    std::thread([] { malloc_trim(0); }).detach();
  }
}

int OpenStream::open_count() {
  return open_streams.load();
}

}  // namespace parley::net
