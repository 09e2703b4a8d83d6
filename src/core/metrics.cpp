#include "core/metrics.hpp"

#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/json.hpp"

namespace parley::metrics {

namespace {

using prometheus::Histogram;

// Request, turn, first-token and tool latencies: milliseconds to minutes.
const Histogram::BucketBoundaries& latency_buckets() {
  static const Histogram::BucketBoundaries b{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                             2.5,   5,    10,    30,   60,  120,  300};
  return b;
}

// Database operations: sub-millisecond to seconds.
const Histogram::BucketBoundaries& db_buckets() {
  static const Histogram::BucketBoundaries b{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                             0.1,    0.25,  0.5,    1,     2.5,  5};
  return b;
}

constexpr std::array<std::string_view, 3> kTurnOutcomes = {"completed", "error", "cancelled"};
constexpr std::array<std::string_view, 3> kToolStatuses = {"finished", "error", "cancelled"};
constexpr std::array<std::string_view, 2> kDbKinds = {"read", "write"};
constexpr std::array<std::string_view, 3> kBlobOperations = {"put", "read", "remove"};

std::string method_label(std::string_view method) {
  static constexpr std::array<std::string_view, 7> known = {"GET",   "HEAD",   "POST",   "PUT",
                                                            "PATCH", "DELETE", "OPTIONS"};
  for (auto m : known)
    if (m == method) return std::string(m);
  return "other";  // a client chooses the method: arbitrary ones must not grow the series
}

std::string status_label(int status) {
  return status <= 0 ? std::string("0") : std::to_string(status);
}

std::string read_small_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::string text;
  char buf[4096];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > (1u << 20)) break;
  }
  return text;
}

std::optional<double> parse_number(std::string_view s) {
  double v = 0;
  const auto* end = s.data() + s.size();
  const auto [p, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || p == s.data()) return std::nullopt;
  return v;
}

// The n-th (1-based) whitespace-separated field of `s`.
std::string_view field(std::string_view s, int n) {
  std::size_t pos = 0;
  for (int i = 1;; ++i) {
    pos = s.find_first_not_of(' ', pos);
    if (pos == std::string_view::npos) return {};
    const auto end = s.find(' ', pos);
    if (i == n) return s.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    if (end == std::string_view::npos) return {};
    pos = end;
  }
}

}  // namespace

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& reg = *registry_;
  prometheus::BuildGauge()
      .Name("parley_build_info")
      .Help("Always 1; the running version in its label")
      .Register(reg)
      .Add({{"version", PARLEY_VERSION}})
      .Set(1);
  http_requests_ = &prometheus::BuildCounter()
                        .Name("parley_http_requests_total")
                        .Help("HTTP requests answered, by method, route template and status")
                        .Register(reg);
  http_duration_ = &prometheus::BuildHistogram()
                        .Name("parley_http_request_duration_seconds")
                        .Help("Time from a request's head to its response's end (streams: the stream's end)")
                        .Register(reg);
  http_connections_open_ = &prometheus::BuildGauge()
                                .Name("parley_http_connections_open")
                                .Help("Client connections open now")
                                .Register(reg)
                                .Add({});
  sse_streams_open_ = &prometheus::BuildGauge()
                           .Name("parley_sse_streams_open")
                           .Help("Server-sent event streams open now (chat, /v1 streaming, test stream)")
                           .Register(reg)
                           .Add({});
  chat_streams_active_ = &prometheus::BuildGauge()
                              .Name("parley_chat_streams_active")
                              .Help("Chat turns running now")
                              .Register(reg)
                              .Add({});
  auto& turns = prometheus::BuildCounter()
                    .Name("parley_chat_turns_total")
                    .Help("Chat turns ended, by outcome (completed, error, cancelled)")
                    .Register(reg);
  for (std::size_t i = 0; i < kTurnOutcomes.size(); ++i)
    chat_turns_[i] = &turns.Add({{"outcome", std::string(kTurnOutcomes[i])}});
  chat_turn_duration_ = &prometheus::BuildHistogram()
                             .Name("parley_chat_turn_duration_seconds")
                             .Help("Duration of a chat turn, all hops and tool calls included")
                             .Register(reg)
                             .Add({}, latency_buckets());
  upstream_first_token_ = &prometheus::BuildHistogram()
                               .Name("parley_upstream_first_token_seconds")
                               .Help("Time from a hop's upstream request to its first streamed delta")
                               .Register(reg)
                               .Add({}, latency_buckets());
  upstream_requests_ =
      &prometheus::BuildCounter()
           .Name("parley_upstream_requests_total")
           .Help("Upstream completion requests, by HTTP status (transport_error: no response)")
           .Register(reg);
  upstream_errors_ = &prometheus::BuildCounter()
                          .Name("parley_upstream_errors_total")
                          .Help("Upstream failures, by class and HTTP status (0: no status)")
                          .Register(reg);
  tool_calls_ = &prometheus::BuildCounter()
                     .Name("parley_tool_calls_total")
                     .Help("MCP tool calls, by server, tool and status (finished, error, cancelled)")
                     .Register(reg);
  tool_duration_ = &prometheus::BuildHistogram()
                        .Name("parley_tool_call_duration_seconds")
                        .Help("Duration of MCP tool calls, by server")
                        .Register(reg);
  mcp_server_state_ = &prometheus::BuildGauge()
                           .Name("parley_mcp_server_state")
                           .Help("1 for the state each configured MCP server is in")
                           .Register(reg);
  auto& servers = prometheus::BuildGauge()
                      .Name("parley_mcp_servers")
                      .Help("Configured MCP servers in each state")
                      .Register(reg);
  for (std::size_t i = 0; i < kMcpStates.size(); ++i)
    mcp_servers_[i] = &servers.Add({{"state", std::string(kMcpStates[i])}});
  auto& db = prometheus::BuildHistogram()
                 .Name("parley_db_operation_duration_seconds")
                 .Help("Time a database operation held its connection (waiting for it included), by kind")
                 .Register(reg);
  for (std::size_t i = 0; i < kDbKinds.size(); ++i)
    db_operation_[i] = &db.Add({{"kind", std::string(kDbKinds[i])}}, db_buckets());
  blob_operations_ = &prometheus::BuildCounter()
                          .Name("parley_blob_operations_total")
                          .Help("Attachment object store operations, by backend, operation and outcome")
                          .Register(reg);
  attachments_uploaded_ = &prometheus::BuildCounter()
                               .Name("parley_attachments_uploaded_total")
                               .Help("Uploads stored, by storage backend")
                               .Register(reg);
  attachment_bytes_ = &prometheus::BuildCounter()
                           .Name("parley_attachment_bytes_uploaded_total")
                           .Help("Bytes of the uploads stored, by storage backend")
                           .Register(reg);
  resident_memory_ = &prometheus::BuildGauge()
                          .Name("process_resident_memory_bytes")
                          .Help("Resident memory size in bytes")
                          .Register(reg)
                          .Add({});
  open_fds_ = &prometheus::BuildGauge()
                   .Name("process_open_fds")
                   .Help("Number of open file descriptors")
                   .Register(reg)
                   .Add({});
  start_time_ = &prometheus::BuildGauge()
                     .Name("process_start_time_seconds")
                     .Help("Start time of the process since the Unix epoch in seconds")
                     .Register(reg)
                     .Add({});
  if (auto t = process_start_time_seconds()) start_time_->Set(*t);
}

Metrics::~Metrics() = default;

void Metrics::http_request(std::string_view method, std::string_view route, int status, double seconds) {
  const std::string route_label = route.empty() ? std::string("unmatched") : label_value(route);
  http_requests_
      ->Add({{"method", method_label(method)}, {"route", route_label}, {"status", status_label(status)}})
      .Increment();
  http_duration_->Add({{"route", route_label}}, latency_buckets()).Observe(seconds);
}

void Metrics::chat_turn(TurnOutcome outcome, double seconds) {
  chat_turns_[static_cast<std::size_t>(outcome)]->Increment();
  chat_turn_duration_->Observe(seconds);
}

void Metrics::upstream_request(int status) {
  upstream_requests_->Add({{"status", status <= 0 ? std::string("transport_error") : std::to_string(status)}})
      .Increment();
}

void Metrics::upstream_error(std::string_view error_class, int status) {
  upstream_errors_->Add({{"class", label_value(error_class)}, {"status", status_label(status)}}).Increment();
}

void Metrics::tool_call(std::string_view server, std::string_view tool, ToolStatus status, double seconds) {
  const auto server_label = label_value(server);
  tool_calls_
      ->Add({{"server", server_label},
             {"tool", label_value(tool)},
             {"status", std::string(kToolStatuses[static_cast<std::size_t>(status)])}})
      .Increment();
  tool_duration_->Add({{"server", server_label}}, latency_buckets()).Observe(seconds);
}

void Metrics::mcp_server_state(std::string_view server, std::optional<std::string_view> from,
                               std::optional<std::string_view> to) {
  if (from == to) return;
  const auto server_label = label_value(server);
  auto index = [](std::string_view state) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < kMcpStates.size(); ++i)
      if (kMcpStates[i] == state) return i;
    return std::nullopt;
  };
  // Increments rather than sets: a runner being replaced and its successor may briefly coexist.
  if (from) {
    if (auto i = index(*from)) {
      mcp_servers_[*i]->Decrement();
      mcp_server_state_->Add({{"server", server_label}, {"state", std::string(*from)}}).Decrement();
    }
  }
  if (to) {
    if (auto i = index(*to)) {
      mcp_servers_[*i]->Increment();
      mcp_server_state_->Add({{"server", server_label}, {"state", std::string(*to)}}).Increment();
    }
  }
}

void Metrics::blob_operation(std::string_view backend, BlobOperation operation, std::string_view outcome) {
  blob_operations_
      ->Add({{"backend", label_value(backend)},
             {"operation", std::string(kBlobOperations[static_cast<std::size_t>(operation)])},
             {"outcome", label_value(outcome)}})
      .Increment();
}

void Metrics::attachment_uploaded(std::string_view storage, std::size_t bytes) {
  const auto label = label_value(storage);
  attachments_uploaded_->Add({{"storage", label}}).Increment();
  attachment_bytes_->Add({{"storage", label}}).Increment(static_cast<double>(bytes));
}

std::string Metrics::exposition() {
  if (auto rss = resident_memory_bytes()) resident_memory_->Set(*rss);
  if (auto fds = open_fds()) open_fds_->Set(*fds);
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

Metrics& global() {
  static Metrics instance;
  return instance;
}

std::string label_value(std::string_view raw) {
  if (raw.empty()) return "none";
  std::string out;
  out.reserve(std::min<std::size_t>(raw.size(), 128));
  std::size_t i = 0;
  while (i < raw.size() && out.size() < 128) {
    const auto c = static_cast<unsigned char>(raw[i]);
    if (c < 0x20 || c == 0x7f) {  // control characters (escaped or not, they have no place in a label)
      out += '?';
      ++i;
      continue;
    }
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (len == 0 || i + len > raw.size() || out.size() + len > 128 ||
        !json::is_valid_utf8(raw.substr(i, len))) {
      out += '?';
      ++i;
      continue;
    }
    out.append(raw.substr(i, len));
    i += len;
  }
  return out;
}

std::optional<double> resident_memory_bytes() {
  const auto statm = read_small_file("/proc/self/statm");
  const auto pages = parse_number(field(statm, 2));
  if (!pages) return std::nullopt;
  return *pages * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

std::optional<double> open_fds() {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/self/fd", ec);
  if (ec) return std::nullopt;
  double n = 0;
  for (const auto& entry : it) {
    (void)entry;
    ++n;
  }
  return n - 1;  // the iterator's own descriptor
}

std::optional<double> process_start_time_seconds() {
  const auto stat = read_small_file("/proc/self/stat");
  const auto close = stat.rfind(')');  // the command name may contain spaces and parentheses
  if (close == std::string::npos) return std::nullopt;
  // After ") " come the fields from 3 (state) on: the start time is field 22.
  const auto ticks = parse_number(field(std::string_view(stat).substr(close + 1), 22 - 2));
  const auto boot_text = read_small_file("/proc/stat");
  const auto at = boot_text.find("\nbtime ");
  if (!ticks || at == std::string::npos) return std::nullopt;
  const auto boot = parse_number(field(std::string_view(boot_text).substr(at + 7, 32), 1));
  const auto hz = ::sysconf(_SC_CLK_TCK);
  if (!boot || hz <= 0) return std::nullopt;
  return *boot + *ticks / static_cast<double>(hz);
}

const std::array<std::string_view, 22>& metric_names() {
  static constexpr std::array<std::string_view, 22> names = {
      "parley_build_info",
      "parley_http_requests_total",
      "parley_http_request_duration_seconds",
      "parley_http_connections_open",
      "parley_sse_streams_open",
      "parley_chat_streams_active",
      "parley_chat_turns_total",
      "parley_chat_turn_duration_seconds",
      "parley_upstream_first_token_seconds",
      "parley_upstream_requests_total",
      "parley_upstream_errors_total",
      "parley_tool_calls_total",
      "parley_tool_call_duration_seconds",
      "parley_mcp_servers",
      "parley_mcp_server_state",
      "parley_db_operation_duration_seconds",
      "parley_blob_operations_total",
      "parley_attachments_uploaded_total",
      "parley_attachment_bytes_uploaded_total",
      "process_resident_memory_bytes",
      "process_open_fds",
      "process_start_time_seconds",
  };
  return names;
}

}  // namespace parley::metrics
