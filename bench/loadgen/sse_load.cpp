// sse_load: a load generator for SSE chat streams (targets P1, P2, P3 and P7 of spec/performance.md).
//
// Opens N concurrent HTTP/1.1 connections, POSTs a body on each and reads the text/event-stream answer as it
// arrives, recording per stream the connect time, the time to the response headers, the time to the first
// event whose data contains a marker (time to first token), the events, the gaps between them (a histogram),
// the bytes, the errors and the time to the last event. Prints one JSON document on stdout; see --help.
//
// Built on Asio C++20 coroutines, one io_context per thread (--threads), and Beast's HTTP/1.1 response parser
// driven by hand: one socket read feeds the parser synchronously, so a burst of small chunks costs one read
// and no scheduler round trip per chunk. Events end at a blank line (LF or CRLF); comment-only blocks (":
// ping") are not events.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <bit>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sys/resource.h>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

double epoch_ms_now() {
  return std::chrono::duration<double, std::milli>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---------------------------------------------------------------------------------------------------------------
// Options

struct Options {
  std::string url;
  std::string host = "127.0.0.1";
  std::string port = "80";
  std::string target = "/";
  std::string body;
  std::vector<std::string> headers;
  std::size_t concurrency = 1;
  std::optional<std::uint64_t> requests;
  std::optional<double> duration_s;
  double connect_rate = 0;  // new connections per second, 0 = as fast as possible
  std::size_t threads = 1;
  std::string first_marker;
  std::string count_marker;
  bool disconnect_after_marker = false;
  bool keep_alive = true;
  double timeout_s = 30;  // no byte for this long on a connect or a read: the stream fails with "timeout"
  double progress_s = 0;  // > 0: a progress line on stderr this often
  double max_s = 0;       // > 0: the whole run ends by then, whatever happens (default: --duration + 120 s)
  double grace_s = 20;    // after a stop, the streams have this long to close before the process exits anyway
  std::size_t read_size = 32768;
  bool raw_all = false;
};

// Parses the command line with CLI11. nullopt when CLI11 printed the help or an error; `exit_code` is then
// what the program returns.
std::optional<Options> parse_options(int argc, char** argv, int& exit_code) {
  Options o;
  CLI::App app{
      "sse_load: opens SSE chat streams against a URL and reports time to first event, gaps and errors"};
  app.footer(
      "SIGUSR1, SIGINT or SIGTERM: close every stream and print the results (a second signal, or streams "
      "that do\n"
      "not close within --grace seconds, ends the process at once with exit status 3). Times are ms; TTFT,\n"
      "headers and last\n"
      "event are measured from the start of the request write (a new connection's connect time is reported "
      "on\n"
      "its own).");
  std::string body_file;
  std::uint64_t requests = 0;
  double duration_s = 0;
  bool no_keep_alive = false;
  app.add_option("--url", o.url, "http://HOST:PORT/PATH to POST to")->required();
  auto* body = app.add_option("--body", o.body, "the request body (JSON)");
  app.add_option("--body-file", body_file, "a file holding the request body")
      ->check(CLI::ExistingFile)
      ->excludes(body);
  app.add_option("--header", o.headers, "an extra request header, 'Name: value' (repeatable)");
  app.add_option("--concurrency", o.concurrency, "concurrent streams (default 1)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000000}));
  auto* requests_option =
      app.add_option("--requests", requests,
                     "requests in all (default: as many as --concurrency, unless --duration is given)");
  auto* duration_option =
      app.add_option("--duration", duration_s,
                     "stop after S seconds, closing the streams still open (with --requests: first)");
  app.add_option("--connect-rate", o.connect_rate,
                 "open at most R new connections per second (default: no limit)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--threads", o.threads, "event loop threads (default 1)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{256}));
  app.add_option("--first-marker", o.first_marker,
                 "time to first token = time to the first event whose data contains STRING");
  app.add_option("--count-marker", o.count_marker,
                 "count only events containing STRING for events/s and gaps (default: every event)");
  app.add_flag("--disconnect-after-marker", o.disconnect_after_marker,
               "close the connection as soon as the first marker was seen (records when)");
  app.add_flag("--no-keep-alive", no_keep_alive, "a new connection for every request (default: reuse)");
  app.add_option("--timeout", o.timeout_s, "a connect or read with no byte for S seconds fails (default 30)")
      ->check(CLI::PositiveNumber);
  app.add_option("--read-size", o.read_size, "socket read size in bytes (default 32768)")
      ->check(CLI::Range(std::size_t{512}, std::size_t{1} << 24));
  app.add_option("--progress", o.progress_s, "a JSON progress line on stderr every S seconds")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--raw", o.raw_all, "also print every sample of connect, headers and last-event times");
  app.add_option(
         "--max-seconds", o.max_s,
         "end the whole run after S seconds in all, like a signal (default: --duration + 120, else none)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--grace", o.grace_s, "seconds the streams get to close after a stop (default 20)")
      ->check(CLI::PositiveNumber);
  try {
    app.parse(argc, argv);
    if (*requests_option) o.requests = requests;
    if (*duration_option) o.duration_s = duration_s;
    o.keep_alive = !no_keep_alive;
    if (!body_file.empty()) {
      std::ifstream in(body_file, std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      o.body = text.str();
    }
    const auto url = boost::urls::parse_absolute_uri(o.url);
    if (!url || url->scheme() != "http" || url->encoded_host().empty())
      throw CLI::ValidationError("--url", "expected an http://HOST[:PORT]/PATH URL, got " + o.url);
    o.host = url->encoded_host().decode();
    if (o.host.size() > 2 && o.host.front() == '[') o.host = o.host.substr(1, o.host.size() - 2);
    o.port = url->has_port() ? std::string(url->port()) : "80";
    o.target = url->encoded_path().empty() ? "/" : std::string(url->encoded_path());
    if (url->has_query()) o.target += "?" + std::string(url->encoded_query());
    if (o.disconnect_after_marker && o.first_marker.empty())
      throw CLI::ValidationError("--disconnect-after-marker", "needs --first-marker");
  } catch (const CLI::ParseError& e) {
    exit_code = app.exit(e);
    return std::nullopt;
  }
  if (!o.requests && !o.duration_s) o.requests = o.concurrency;
  return o;
}

// ---------------------------------------------------------------------------------------------------------------
// Statistics

// A log-linear histogram of nanosecond values: exact below 32, then 32 buckets per power of two (≤ 3 %
// error).
class LogHistogram {
 public:
  void add(std::uint64_t v) {
    ++counts_[index(v)];
    ++n_;
    sum_ += static_cast<double>(v);
    max_ = std::max(max_, v);
  }
  void merge(const LogHistogram& o) {
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += o.counts_[i];
    n_ += o.n_;
    sum_ += o.sum_;
    max_ = std::max(max_, o.max_);
  }
  std::uint64_t count() const { return n_; }
  // The value below which p % of the samples are (middle of the bucket, at most the maximum seen).
  double percentile(double p) const {
    if (n_ == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(n_)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= std::max<std::uint64_t>(rank, 1)) {
        const double mid = (static_cast<double>(lower(i)) + static_cast<double>(upper(i)) - 1) / 2;
        return std::min(mid, static_cast<double>(max_));
      }
    }
    return static_cast<double>(max_);
  }
  double mean() const { return n_ ? sum_ / static_cast<double>(n_) : 0; }
  std::uint64_t max() const { return max_; }
  // Non-empty buckets as [upper bound in ms, count], coarsened to powers of two and halves for a short list.
  json::array buckets_ms() const {
    std::map<std::uint64_t, std::uint64_t> coarse;  // upper bound (ns) of 1, 1.5, 2, 3, 4, 6, … µs -> count
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      if (!counts_[i]) continue;
      const std::uint64_t up = upper(i);
      std::uint64_t b = 1000;
      for (;; b *= 2) {
        if (up <= b) break;
        if (up <= b + b / 2) {
          b += b / 2;
          break;
        }
      }
      coarse[b] += counts_[i];
    }
    json::array out;
    for (const auto& [up, c] : coarse) out.push_back(json::array{static_cast<double>(up) / 1e6, c});
    return out;
  }

 private:
  static constexpr std::size_t kSub = 32;
  static std::size_t index(std::uint64_t v) {
    if (v < kSub) return static_cast<std::size_t>(v);
    const int msb = 63 - std::countl_zero(v);
    const auto mantissa = static_cast<std::size_t>(v >> (msb - 5));
    return static_cast<std::size_t>(msb - 4) * kSub + (mantissa - kSub);
  }
  static std::uint64_t lower(std::size_t i) {
    if (i < kSub) return i;
    const std::size_t group = i / kSub;
    return static_cast<std::uint64_t>(i % kSub + kSub) << (group - 1);
  }
  static std::uint64_t upper(std::size_t i) {
    if (i < kSub) return i + 1;
    const std::size_t group = i / kSub;
    return static_cast<std::uint64_t>(i % kSub + kSub + 1) << (group - 1);
  }
  std::vector<std::uint64_t> counts_ = std::vector<std::uint64_t>(60 * kSub);
  std::uint64_t n_ = 0;
  std::uint64_t max_ = 0;
  double sum_ = 0;
};

struct ErrorCounts {
  std::uint64_t connect = 0;    // the connection could not be opened
  std::uint64_t status = 0;     // a status other than 200
  std::uint64_t reset = 0;      // the connection broke or ended before the response was complete
  std::uint64_t timeout = 0;    // no byte for --timeout seconds
  std::uint64_t parse = 0;      // not HTTP/1.1 the parser accepts
  std::uint64_t sse_error = 0;  // a 200 stream that carried an "event: error"
  std::uint64_t no_marker = 0;  // a complete 200 stream without the first marker
  std::uint64_t streams = 0;    // streams with at least one of the above
};

// One thread's figures; merged at the end.
struct Stats {
  std::vector<double> connect_ms, headers_ms, ttft_ms, last_event_ms, disconnect_epoch_ms, stream_rate;
  LogHistogram gaps;
  std::uint64_t requests = 0, completed = 0, stopped = 0, with_marker = 0, events = 0, counted = 0, bytes = 0,
                connections = 0, disconnects = 0;
  ErrorCounts errors;
  std::map<unsigned, std::uint64_t> status;
  std::map<std::string, std::uint64_t> error_messages;
  std::vector<std::uint32_t> timeline;  // counted events per millisecond since the start of the run

  void note_error_message(const std::string& m) {
    if (error_messages.size() < 20 || error_messages.count(m)) ++error_messages[m];
  }
};

// ---------------------------------------------------------------------------------------------------------------
// Shared state

struct Loop;

struct Shared {
  Options opt;
  tcp::endpoint endpoint;
  std::string request_bytes;
  Clock::time_point start;
  std::atomic<std::int64_t> requests_left{std::numeric_limits<std::int64_t>::max()};
  std::atomic<std::uint64_t> connects_started{0};
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> workers_left{0};
  std::atomic<std::size_t> first_wave_left{0};
  std::atomic<std::int64_t> steady_start_ns{-1};
  std::atomic<std::int64_t> steady_end_ns{std::numeric_limits<std::int64_t>::max()};
  std::atomic<std::int64_t> stop_ns{-1};
  std::atomic<std::int64_t> end_ns{-1};
  // progress, relaxed
  std::atomic<std::int64_t> open{0}, marked_open{0}, finished{0}, failed{0};
  std::atomic<std::uint64_t> events{0};
  std::vector<std::unique_ptr<Loop>> loops;
  // on the first loop: what must be cancelled once the workers are done
  asio::signal_set* signals = nullptr;
  asio::steady_timer* deadline = nullptr;
  asio::steady_timer* progress = nullptr;

  std::int64_t since_start_ns(Clock::time_point t) const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t - start).count();
  }
  void request_stop();
  void worker_done();
  [[noreturn]] void force_exit(const char* why) const;
};

// Prints what is known without the loops (they may be stuck) and ends the process: exit status 3.
void Shared::force_exit(const char* why) const {
  const json::object line{{"error", std::string("forced exit: ") + why},
                          {"open", open.load()},
                          {"finished", finished.load()},
                          {"errors", failed.load()},
                          {"events", events.load()}};
  std::cout << json::serialize(line) << std::endl;
  std::cerr << "sse_load: " << why << "; exiting without the full report" << std::endl;
  std::_Exit(3);
}

// A thread apart from the event loops: it stops the run at --max-seconds and ends the process when the
// streams do not close within --grace seconds of a stop, so the run always ends by max + grace.
void watch_the_clock(Shared& sh, std::atomic<bool>& done) {
  const auto started = Clock::now();
  std::optional<Clock::time_point> stop_seen;
  while (!done.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto now = Clock::now();
    if (sh.opt.max_s > 0 && !sh.stopping.load() &&
        now - started > std::chrono::duration<double>(sh.opt.max_s)) {
      std::cerr << "sse_load: --max-seconds reached; stopping" << std::endl;
      sh.request_stop();
    }
    if (sh.stopping.load() && !stop_seen) stop_seen = now;
    if (stop_seen && !done.load() && now - *stop_seen > std::chrono::duration<double>(sh.opt.grace_s)) {
      sh.force_exit("the streams did not close within --grace seconds of the stop");
    }
  }
}

struct Worker {
  explicit Worker(asio::io_context& ctx) : timer(ctx) {}
  std::optional<tcp::socket> socket;
  asio::steady_timer timer;
  beast::flat_buffer buffer;
  Clock::time_point last_activity;
  Clock::time_point last_counted;  // the last counted event of the latest request
  bool waiting_io = false;         // in a connect, write or read the watchdog may time out
  bool timed_out = false;
  bool first_request = true;
};

struct Loop {
  asio::io_context ctx{1};
  Stats stats;
  std::vector<std::unique_ptr<Worker>> workers;
  asio::steady_timer watchdog{ctx};
  bool shutting_down = false;

  void close_all() {
    for (auto& w : workers) {
      error_code ec;
      if (w->socket && w->socket->is_open()) w->socket->close(ec);
      w->timer.cancel();
    }
  }
};

void Shared::request_stop() {
  if (stopping.exchange(true)) return;
  stop_ns = since_start_ns(Clock::now());
  for (auto& l : loops) {
    Loop* loop = l.get();
    asio::post(loop->ctx, [loop] { loop->close_all(); });
  }
}

// The last worker to finish lets every loop run out of work.
void Shared::worker_done() {
  if (workers_left.fetch_sub(1) != 1) return;
  end_ns = since_start_ns(Clock::now());
  stopping = true;
  for (auto& l : loops) {
    Loop* loop = l.get();
    asio::post(loop->ctx, [loop] {
      loop->shutting_down = true;
      loop->watchdog.cancel();
      loop->close_all();
    });
  }
  asio::post(loops[0]->ctx, [this] {
    error_code ec;
    if (signals) signals->cancel(ec);
    if (deadline) deadline->cancel();
    if (progress) progress->cancel();
  });
}

void atomic_min(std::atomic<std::int64_t>& a, std::int64_t v) {
  std::int64_t cur = a.load();
  while (v < cur && !a.compare_exchange_weak(cur, v)) {
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The SSE side of one response

struct SseSink {
  const Options* opt = nullptr;
  Shared* shared = nullptr;
  Stats* stats = nullptr;
  bool enabled = false;  // only a 200 response's body is read as events
  Clock::time_point t0, now;
  // the event being read
  std::string partial_line;
  bool event_has_field = false, event_error = false, event_marker = false, event_counted = false;
  // the stream
  std::uint64_t events = 0, counted = 0, counted_since_marker = 0, bytes = 0;
  bool have_event = false, have_marker = false, had_error_event = false, disconnect_now = false;
  Clock::time_point last_event, first_marker_at, last_counted;

  void feed(const char* p, std::size_t n) {
    bytes += n;
    if (!enabled) return;
    while (n) {
      const auto* nl = static_cast<const char*>(std::memchr(p, '\n', n));
      if (!nl) {
        partial_line.append(p, n);
        return;
      }
      const auto len = static_cast<std::size_t>(nl - p);
      if (!partial_line.empty()) {
        partial_line.append(p, len);
        on_line(partial_line.data(), partial_line.size());
        partial_line.clear();
      } else {
        on_line(p, len);
      }
      p = nl + 1;
      n -= len + 1;
    }
  }

  static bool contains(const char* p, std::size_t n, const std::string& needle) {
    return !needle.empty() && n >= needle.size() && memmem(p, n, needle.data(), needle.size()) != nullptr;
  }

  void on_line(const char* p, std::size_t n) {
    if (n && p[n - 1] == '\r') --n;
    if (n == 0) return end_event();
    if (p[0] == ':') return;  // a comment
    event_has_field = true;
    constexpr std::string_view kEvent = "event:";
    if (n >= kEvent.size() && std::memcmp(p, kEvent.data(), kEvent.size()) == 0) {
      std::string_view v(p + kEvent.size(), n - kEvent.size());
      if (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      if (v == "error") event_error = true;
      return;
    }
    if (!event_marker && contains(p, n, opt->first_marker)) event_marker = true;
    if (!event_counted && contains(p, n, opt->count_marker)) event_counted = true;
  }

  void end_event() {
    if (!event_has_field) return;
    ++events;
    ++stats->events;
    have_event = true;
    last_event = now;
    if (event_error) had_error_event = true;
    const bool first_marker = event_marker && !have_marker;
    if (first_marker) {
      have_marker = true;
      first_marker_at = now;
      stats->ttft_ms.push_back(ms_between(t0, now));
      ++stats->with_marker;
      shared->marked_open.fetch_add(1, std::memory_order_relaxed);
      if (opt->disconnect_after_marker) disconnect_now = true;
    }
    if (opt->count_marker.empty() || event_counted) {
      // The gap since the previous counted event of this stream (every event when there is no
      // --count-marker).
      if (counted) {
        stats->gaps.add(static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(now - last_counted).count()));
      }
      ++counted;
      ++stats->counted;
      last_counted = now;
      if (have_marker || opt->first_marker.empty()) ++counted_since_marker;
      const auto bin = static_cast<std::size_t>(shared->since_start_ns(now) / 1000000);
      if (bin >= stats->timeline.size())
        stats->timeline.resize(std::max(bin + 1, stats->timeline.size() * 2));
      ++stats->timeline[bin];
    }
    event_has_field = event_error = event_marker = event_counted = false;
  }
};

// Beast body whose reader hands every piece of the body to an SseSink as it is parsed.
struct SseBody {
  using value_type = SseSink*;
  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(http::header<isRequest, Fields>&, value_type& sink) : sink_(sink) {}
    void init(const boost::optional<std::uint64_t>&, error_code& ec) { ec = {}; }
    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, error_code& ec) {
      std::size_t n = 0;
      for (const auto b : beast::buffers_range_ref(buffers)) {
        sink_->feed(static_cast<const char*>(b.data()), b.size());
        n += b.size();
      }
      ec = {};
      return n;
    }
    void finish(error_code& ec) { ec = {}; }

   private:
    value_type& sink_;
  };
};

// ---------------------------------------------------------------------------------------------------------------
// Workers

bool claim_request(Shared& sh) {
  if (sh.stopping.load(std::memory_order_relaxed)) return false;
  return sh.requests_left.fetch_sub(1) > 0;
}

asio::awaitable<void> pace_connect(Shared& sh, Worker& w) {
  if (sh.opt.connect_rate <= 0 || sh.stopping.load()) co_return;
  const auto k = sh.connects_started.fetch_add(1);
  const auto slot = sh.start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                                   static_cast<double>(k) / sh.opt.connect_rate));
  if (slot <= Clock::now()) co_return;
  w.timer.expires_at(slot);
  auto [ec] = co_await w.timer.async_wait(use_tuple);
  (void)ec;
}

enum class Outcome { ok, error, stopped, retry };

void close_socket(Worker& w) {
  error_code ec;
  if (w.socket && w.socket->is_open()) w.socket->close(ec);
}

// One request on the worker's connection (opening one if needed).
asio::awaitable<Outcome> one_request(Shared& sh, Loop& loop, Worker& w, bool allow_retry) {
  Stats& st = loop.stats;
  const Options& opt = sh.opt;
  const bool fresh = !w.socket || !w.socket->is_open();
  auto fail = [&](std::uint64_t ErrorCounts::*kind, const std::string& message) {
    if (sh.stopping.load()) return Outcome::stopped;
    if (w.timed_out) {
      ++st.errors.timeout;
      st.note_error_message("timeout");
    } else {
      ++(st.errors.*kind);
      st.note_error_message(message);
    }
    ++st.errors.streams;
    sh.failed.fetch_add(1, std::memory_order_relaxed);
    return Outcome::error;
  };
  if (fresh) {
    co_await pace_connect(sh, w);
    if (sh.stopping.load()) co_return Outcome::stopped;
    w.socket.emplace(loop.ctx);
    const auto c0 = Clock::now();
    w.last_activity = c0;
    w.timed_out = false;
    w.waiting_io = true;
    auto [ec] = co_await w.socket->async_connect(sh.endpoint, use_tuple);
    w.waiting_io = false;
    if (ec) {
      close_socket(w);
      co_return fail(&ErrorCounts::connect, "connect: " + ec.message());
    }
    st.connect_ms.push_back(ms_between(c0, Clock::now()));
    ++st.connections;
    error_code ignored;
    w.socket->set_option(tcp::no_delay(true), ignored);
  }
  sh.open.fetch_add(1, std::memory_order_relaxed);
  struct OpenGuard {
    Shared& sh;
    ~OpenGuard() { sh.open.fetch_sub(1, std::memory_order_relaxed); }
  } open_guard{sh};

  SseSink sink;
  sink.opt = &opt;
  sink.shared = &sh;
  sink.stats = &st;
  struct MarkedGuard {
    Shared& sh;
    SseSink& sink;
    ~MarkedGuard() {
      if (sink.have_marker) sh.marked_open.fetch_sub(1, std::memory_order_relaxed);
    }
  } marked_guard{sh, sink};

  const auto t0 = Clock::now();
  sink.t0 = t0;
  w.last_activity = t0;
  w.timed_out = false;
  w.waiting_io = true;
  auto [wec, written] = co_await asio::async_write(*w.socket, asio::buffer(sh.request_bytes), use_tuple);
  w.waiting_io = false;
  (void)written;
  if (wec) {
    close_socket(w);
    if (!fresh && allow_retry && !sh.stopping.load()) co_return Outcome::retry;
    co_return fail(&ErrorCounts::reset, "write: " + wec.message());
  }

  http::response_parser<SseBody> parser;
  parser.body_limit(boost::none);
  parser.get().body() = &sink;
  beast::flat_buffer& buf = w.buffer;
  buf.consume(buf.size());
  bool headers_done = false;
  bool any_byte = false;
  unsigned status = 0;
  Outcome outcome = Outcome::ok;
  for (;;) {
    w.waiting_io = true;
    auto [ec, n] = co_await w.socket->async_read_some(buf.prepare(opt.read_size), use_tuple);
    w.waiting_io = false;
    const auto now = Clock::now();
    w.last_activity = now;
    sink.now = now;
    const auto events_before = sink.events;
    if (n) any_byte = true;
    buf.commit(n);
    bool parse_failed = false;
    while (buf.size() > 0) {
      error_code pec;
      const auto used = parser.put(buf.data(), pec);
      buf.consume(used);
      if (pec == http::error::need_more) break;
      if (pec) {
        parse_failed = true;
        outcome = fail(&ErrorCounts::parse, "http: " + pec.message());
        break;
      }
      if (!headers_done && parser.is_header_done()) {
        headers_done = true;
        status = parser.get().result_int();
        ++st.status[status];
        st.headers_ms.push_back(ms_between(t0, now));
        sink.enabled = status == 200;
      }
      if (parser.is_done() || sink.disconnect_now || used == 0) break;
    }
    sh.events.fetch_add(sink.events - events_before, std::memory_order_relaxed);
    if (parse_failed) {
      close_socket(w);
      break;
    }
    if (sink.disconnect_now) {
      close_socket(w);
      st.disconnect_epoch_ms.push_back(epoch_ms_now());
      ++st.disconnects;
      break;
    }
    if (parser.is_done()) {
      if (!opt.keep_alive || !parser.keep_alive()) close_socket(w);
      break;
    }
    if (ec == asio::error::eof) {
      error_code pec;
      if (headers_done) parser.put_eof(pec);
      close_socket(w);
      if (headers_done && !pec && parser.is_done()) break;  // a body delimited by the end of the connection
      if (!any_byte && !fresh && allow_retry && !sh.stopping.load()) co_return Outcome::retry;
      outcome = fail(&ErrorCounts::reset, headers_done ? "response cut short" : "closed before the response");
      break;
    }
    if (ec) {
      close_socket(w);
      if (!any_byte && !fresh && allow_retry && !sh.stopping.load()) co_return Outcome::retry;
      outcome = fail(&ErrorCounts::reset, "read: " + ec.message());
      break;
    }
  }

  if (sink.have_event && outcome == Outcome::ok) st.last_event_ms.push_back(ms_between(t0, sink.last_event));
  if (outcome == Outcome::ok && status != 200 && headers_done) {
    outcome = fail(&ErrorCounts::status, "status " + std::to_string(status));
  } else if (outcome == Outcome::ok && sink.had_error_event) {
    outcome = fail(&ErrorCounts::sse_error, "event: error");
  } else if (outcome == Outcome::ok && !opt.first_marker.empty() && !sink.have_marker) {
    outcome = fail(&ErrorCounts::no_marker, "no marker");
  }
  st.bytes += sink.bytes;
  if (outcome == Outcome::ok) ++st.completed;
  if (sink.have_marker && sink.last_counted > sink.first_marker_at && sink.counted_since_marker > 1) {
    st.stream_rate.push_back(static_cast<double>(sink.counted_since_marker) /
                             std::chrono::duration<double>(sink.last_counted - sink.first_marker_at).count());
  }
  if (w.first_request) {
    w.first_request = false;
    if (sh.first_wave_left.fetch_sub(1) == 1) {
      const auto at =
          sink.have_marker ? sink.first_marker_at : (sink.have_event ? sink.last_event : Clock::now());
      sh.steady_start_ns = sh.since_start_ns(at);
    }
  }
  if (sink.counted) w.last_counted = sink.last_counted;
  co_return outcome;
}

asio::awaitable<void> run_worker(Shared& sh, Loop& loop, Worker& w) {
  std::optional<Clock::time_point> last_counted;
  while (claim_request(sh)) {
    ++loop.stats.requests;
    const auto counted_before = w.last_counted;  // the loop's stats also move with the other workers
    auto outcome = co_await one_request(sh, loop, w, true);
    if (outcome == Outcome::retry) outcome = co_await one_request(sh, loop, w, false);
    if (w.last_counted != counted_before) last_counted = w.last_counted;
    if (outcome == Outcome::stopped) {
      ++loop.stats.stopped;
      break;
    }
    sh.finished.fetch_add(1, std::memory_order_relaxed);
  }
  if (w.first_request) {  // never got a request: not part of the first wave
    w.first_request = false;
    if (sh.first_wave_left.fetch_sub(1) == 1) sh.steady_start_ns = sh.since_start_ns(Clock::now());
  }
  if (!sh.stopping.load()) {
    atomic_min(sh.steady_end_ns, sh.since_start_ns(last_counted.value_or(Clock::now())));
  }
  close_socket(w);
  sh.worker_done();
}

asio::awaitable<void> run_watchdog(Shared& sh, Loop& loop) {
  const auto timeout =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(sh.opt.timeout_s));
  const auto tick = std::min<Clock::duration>(timeout / 4, std::chrono::milliseconds(250));
  while (!loop.shutting_down) {
    loop.watchdog.expires_after(tick);
    auto [ec] = co_await loop.watchdog.async_wait(use_tuple);
    if (ec || loop.shutting_down) co_return;
    const auto now = Clock::now();
    for (auto& w : loop.workers) {
      if (w->waiting_io && w->socket && w->socket->is_open() && now - w->last_activity > timeout) {
        w->timed_out = true;
        close_socket(*w);
      }
    }
  }
}

// The first signal stops the run; a second one ends the process at once (a run that does not wind down must
// never need SIGKILL).
asio::awaitable<void> run_signals(Shared& sh, asio::signal_set& signals) {
  for (int seen = 0;; ++seen) {
    auto [ec, sig] = co_await signals.async_wait(use_tuple);
    (void)sig;
    if (ec) co_return;
    if (seen > 0) sh.force_exit("a second signal");
    sh.request_stop();
  }
}

asio::awaitable<void> run_deadline(Shared& sh, asio::steady_timer& timer) {
  auto [ec] = co_await timer.async_wait(use_tuple);
  if (!ec) sh.request_stop();
}

asio::awaitable<void> run_progress(Shared& sh, asio::steady_timer& timer) {
  const auto every =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(sh.opt.progress_s));
  for (;;) {
    timer.expires_after(every);
    auto [ec] = co_await timer.async_wait(use_tuple);
    if (ec) co_return;
    const json::object line{{"t", ms_between(sh.start, Clock::now()) / 1000},
                            {"open", sh.open.load()},
                            {"marked", sh.marked_open.load()},
                            {"finished", sh.finished.load()},
                            {"errors", sh.failed.load()},
                            {"events", sh.events.load()}};
    std::cerr << "progress " << json::serialize(line) << std::endl;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Output

json::object summary(std::vector<double> xs) {
  json::object o;
  o["count"] = xs.size();
  if (xs.empty()) return o;
  std::sort(xs.begin(), xs.end());
  auto pct = [&](double p) {
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(xs.size())));
    return xs[std::min(xs.size() - 1, rank ? rank - 1 : 0)];
  };
  double sum = 0;
  for (double x : xs) sum += x;
  o["min"] = xs.front();
  o["p50"] = pct(50);
  o["p90"] = pct(90);
  o["p99"] = pct(99);
  o["p999"] = pct(99.9);
  o["max"] = xs.back();
  o["mean"] = sum / static_cast<double>(xs.size());
  return o;
}

json::array raw(const std::vector<double>& xs, double scale = 1000) {
  json::array a;
  a.reserve(xs.size());
  for (double x : xs) a.push_back(std::round(x * scale) / scale);
  return a;
}

template <class T>
void append(std::vector<T>& to, const std::vector<T>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

json::object report(Shared& sh, double elapsed_s) {
  Stats all;
  for (auto& l : sh.loops) {
    const Stats& s = l->stats;
    append(all.connect_ms, s.connect_ms);
    append(all.headers_ms, s.headers_ms);
    append(all.ttft_ms, s.ttft_ms);
    append(all.last_event_ms, s.last_event_ms);
    append(all.disconnect_epoch_ms, s.disconnect_epoch_ms);
    append(all.stream_rate, s.stream_rate);
    all.gaps.merge(s.gaps);
    all.requests += s.requests;
    all.completed += s.completed;
    all.stopped += s.stopped;
    all.with_marker += s.with_marker;
    all.events += s.events;
    all.counted += s.counted;
    all.bytes += s.bytes;
    all.connections += s.connections;
    all.disconnects += s.disconnects;
    for (auto f :
         {&ErrorCounts::connect, &ErrorCounts::status, &ErrorCounts::reset, &ErrorCounts::timeout,
          &ErrorCounts::parse, &ErrorCounts::sse_error, &ErrorCounts::no_marker, &ErrorCounts::streams}) {
      all.errors.*f += s.errors.*f;
    }
    for (const auto& [k, v] : s.status) all.status[k] += v;
    for (const auto& [k, v] : s.error_messages) all.error_messages[k] += v;
    if (all.timeline.size() < s.timeline.size()) all.timeline.resize(s.timeline.size());
    for (std::size_t i = 0; i < s.timeline.size(); ++i) all.timeline[i] += s.timeline[i];
  }
  const Options& o = sh.opt;
  json::object out;
  json::object config{{"url", o.url},
                      {"concurrency", o.concurrency},
                      {"threads", o.threads},
                      {"connect_rate", o.connect_rate},
                      {"first_marker", o.first_marker},
                      {"count_marker", o.count_marker},
                      {"disconnect_after_marker", o.disconnect_after_marker},
                      {"keep_alive", o.keep_alive},
                      {"timeout_s", o.timeout_s}};
  if (o.requests) config["requests"] = *o.requests;
  if (o.duration_s) config["duration_s"] = *o.duration_s;
  out["config"] = std::move(config);
  out["elapsed_s"] = elapsed_s;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  out["cpu_s"] = json::object{{"user", seconds(usage.ru_utime)}, {"system", seconds(usage.ru_stime)}};
  out["totals"] = json::object{{"requests", all.requests},
                               {"completed", all.completed},
                               {"stopped", all.stopped},
                               {"with_marker", all.with_marker},
                               {"events", all.events},
                               {"counted_events", all.counted},
                               {"bytes", all.bytes},
                               {"connections", all.connections},
                               {"disconnects", all.disconnects}};
  json::object status;
  for (const auto& [k, v] : all.status) status[std::to_string(k)] = v;
  json::object messages;
  for (const auto& [k, v] : all.error_messages) messages[k] = v;
  out["errors"] = json::object{{"total", all.errors.streams},       {"connect", all.errors.connect},
                               {"status", all.errors.status},       {"reset", all.errors.reset},
                               {"timeout", all.errors.timeout},     {"parse", all.errors.parse},
                               {"sse_error", all.errors.sse_error}, {"no_marker", all.errors.no_marker},
                               {"messages", std::move(messages)}};
  out["status"] = std::move(status);
  out["ttft"] = summary(all.ttft_ms);
  out["ttft_ms"] = raw(all.ttft_ms);
  out["connect"] = summary(all.connect_ms);
  out["headers"] = summary(all.headers_ms);
  out["last_event"] = summary(all.last_event_ms);
  out["stream_rate"] = summary(all.stream_rate);
  out["gaps"] = json::object{{"count", all.gaps.count()},
                             {"p50", all.gaps.percentile(50) / 1e6},
                             {"p90", all.gaps.percentile(90) / 1e6},
                             {"p99", all.gaps.percentile(99) / 1e6},
                             {"p999", all.gaps.percentile(99.9) / 1e6},
                             {"max", static_cast<double>(all.gaps.max()) / 1e6},
                             {"mean", all.gaps.mean() / 1e6},
                             {"histogram", all.gaps.buckets_ms()}};
  if (o.disconnect_after_marker) out["disconnect_epoch_ms"] = raw(all.disconnect_epoch_ms);
  if (o.raw_all) {
    out["connect_ms"] = raw(all.connect_ms);
    out["headers_ms"] = raw(all.headers_ms);
    out["last_event_ms"] = raw(all.last_event_ms);
  }

  // Steady state: from the moment every stream of the first wave had its first marker to the first of: a
  // worker running out of requests (at its last counted event), the stop (signal or --duration).
  const std::int64_t end_ns = sh.end_ns.load() >= 0 ? sh.end_ns.load() : sh.since_start_ns(Clock::now());
  std::int64_t s0 = sh.steady_start_ns.load();
  std::int64_t s1 = std::min(sh.steady_end_ns.load(), sh.stop_ns.load() >= 0 ? sh.stop_ns.load() : end_ns);
  json::object steady;
  if (s0 >= 0 && s1 > s0) {
    std::uint64_t n = 0;
    const auto b0 = static_cast<std::size_t>(s0 / 1000000);
    const auto b1 = static_cast<std::size_t>(s1 / 1000000);
    for (std::size_t i = b0; i <= b1 && i < all.timeline.size(); ++i) n += all.timeline[i];
    const double secs = static_cast<double>(s1 - s0) / 1e9;
    steady = {{"start_s", static_cast<double>(s0) / 1e9},
              {"end_s", static_cast<double>(s1) / 1e9},
              {"seconds", secs},
              {"events", n},
              {"events_per_s", static_cast<double>(n) / secs}};
  } else {
    steady = {{"start_s", s0 >= 0 ? static_cast<double>(s0) / 1e9 : -1.0}, {"events_per_s", nullptr}};
  }
  out["steady"] = std::move(steady);
  // counted events per second of the run, for a plot
  json::array per_second;
  for (std::size_t i = 0; i < all.timeline.size(); i += 1000) {
    std::uint64_t n = 0;
    for (std::size_t j = i; j < std::min(i + 1000, all.timeline.size()); ++j) n += all.timeline[j];
    per_second.push_back(n);
  }
  out["events_per_second"] = std::move(per_second);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Shared sh;
  int exit_code = 0;
  auto parsed = parse_options(argc, argv, exit_code);
  if (!parsed) return exit_code;
  sh.opt = std::move(*parsed);
  const Options& o = sh.opt;
  {
    asio::io_context resolve_ctx;
    tcp::resolver resolver(resolve_ctx);
    error_code ec;
    auto results = resolver.resolve(o.host, o.port, ec);
    if (ec || results.empty()) {
      std::cerr << "sse_load: cannot resolve " << o.host << ":" << o.port << ": " << ec.message() << "\n";
      return 2;
    }
    sh.endpoint = results.begin()->endpoint();
  }
  std::string req = "POST " + o.target + " HTTP/1.1\r\nHost: " + o.host + ":" + o.port +
                    "\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: " +
                    std::to_string(o.body.size()) + "\r\n";
  if (!o.keep_alive) req += "Connection: close\r\n";
  for (const auto& h : o.headers) req += h + "\r\n";
  req += "\r\n";
  req += o.body;
  sh.request_bytes = std::move(req);

  const std::size_t workers =
      o.requests ? static_cast<std::size_t>(std::min<std::uint64_t>(o.concurrency, *o.requests))
                 : o.concurrency;
  if (o.requests) sh.requests_left = static_cast<std::int64_t>(*o.requests);
  sh.workers_left = workers;
  sh.first_wave_left = workers;
  for (std::size_t t = 0; t < o.threads; ++t) sh.loops.push_back(std::make_unique<Loop>());
  for (std::size_t i = 0; i < workers; ++i) {
    auto& loop = *sh.loops[i % o.threads];
    loop.workers.push_back(std::make_unique<Worker>(loop.ctx));
  }

  auto& main_loop = *sh.loops[0];
  asio::signal_set signals(main_loop.ctx, SIGUSR1, SIGINT, SIGTERM);
  asio::steady_timer deadline(main_loop.ctx);
  asio::steady_timer progress(main_loop.ctx);
  sh.signals = &signals;
  sh.deadline = &deadline;
  sh.progress = &progress;
  sh.start = Clock::now();
  if (workers == 0) sh.end_ns = 0;
  for (auto& l : sh.loops) {
    Loop& loop = *l;
    for (auto& w : loop.workers) asio::co_spawn(loop.ctx, run_worker(sh, loop, *w), asio::detached);
    if (!loop.workers.empty()) asio::co_spawn(loop.ctx, run_watchdog(sh, loop), asio::detached);
  }
  if (workers) {
    asio::co_spawn(main_loop.ctx, run_signals(sh, signals), asio::detached);
    if (o.duration_s) {
      deadline.expires_at(sh.start + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(*o.duration_s)));
      asio::co_spawn(main_loop.ctx, run_deadline(sh, deadline), asio::detached);
    }
    if (o.progress_s > 0) asio::co_spawn(main_loop.ctx, run_progress(sh, progress), asio::detached);
  }
  if (sh.opt.max_s == 0 && o.duration_s) sh.opt.max_s = *o.duration_s + 120;
  std::atomic<bool> loops_done{false};
  std::thread clock_watch([&sh, &loops_done] { watch_the_clock(sh, loops_done); });
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < sh.loops.size(); ++t) {
    asio::io_context* ctx = &sh.loops[t]->ctx;
    threads.emplace_back([ctx] { ctx->run(); });
  }
  main_loop.ctx.run();
  for (auto& t : threads) t.join();
  loops_done = true;
  clock_watch.join();
  const double elapsed = ms_between(sh.start, Clock::now()) / 1000;
  std::cout << json::serialize(report(sh, elapsed)) << std::endl;
  return 0;
}
