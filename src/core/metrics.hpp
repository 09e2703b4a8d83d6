// parley's metrics (api.md §8.6): one Prometheus registry (prometheus-cpp's core library) with typed handles
// the layers record into, and the text exposition GET /metrics serves. Label values with a fixed set
// (outcomes, kinds) are resolved once, at construction, so recording them is an atomic add or a histogram
// observe; labels taken from the outside (routes, statuses, MCP server and tool names) are looked up per
// record, which callers only do once per request, turn or call, never per streamed chunk.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace parley::metrics {

enum class TurnOutcome { completed = 0, error = 1, cancelled = 2 };
enum class ToolStatus { finished = 0, error = 1, cancelled = 2 };
enum class DbKind { read = 0, write = 1 };
enum class BlobOperation { put = 0, read = 1, remove = 2 };

// The state names of an MCP server (mcp::to_string(ServerState)); the gauges have one child per name.
inline constexpr std::array<std::string_view, 6> kMcpStates = {
    "connecting", "connected", "disconnected", "disabled", "failed", "needs_authorization"};

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // One answered HTTP request. `route` is the route template (never a raw path); empty means the request
  // matched no route (static files, 404s).
  void http_request(std::string_view method, std::string_view route, int status, double seconds);
  prometheus::Gauge& http_connections_open() { return *http_connections_open_; }
  prometheus::Gauge& sse_streams_open() { return *sse_streams_open_; }
  prometheus::Gauge& chat_streams_active() { return *chat_streams_active_; }

  // One chat turn, from the request to its end.
  void chat_turn(TurnOutcome outcome, double seconds);
  // Seconds from sending a hop's upstream request to its first content, reasoning or tool-call delta.
  prometheus::Histogram& upstream_first_token() { return *upstream_first_token_; }
  // One upstream completion request: its HTTP status, or 0 when no response head arrived.
  void upstream_request(int status);
  // An upstream failure by class (http_status, timeout, unreachable, disconnected, malformed, in_band,
  // event_too_large) and HTTP status ("0" when there was none).
  void upstream_error(std::string_view error_class, int status);

  // One MCP tool call, from the aggregator's start to its result.
  void tool_call(std::string_view server, std::string_view tool, ToolStatus status, double seconds);
  // An MCP server runner entering `to` (and leaving `from`, when it had a state): per server and in total.
  // A runner that goes away leaves its last state with to = nullopt.
  void mcp_server_state(std::string_view server, std::optional<std::string_view> from,
                        std::optional<std::string_view> to);

  // Seconds one database operation held (and waited for) its connection.
  prometheus::Histogram& db_operation(DbKind kind) { return *db_operation_[static_cast<std::size_t>(kind)]; }

  // One object store operation; `backend` is local, gcs or s3, `outcome` ok, exists, not_found or error.
  void blob_operation(std::string_view backend, BlobOperation operation, std::string_view outcome);
  // One stored upload and its size.
  void attachment_uploaded(std::string_view storage, std::size_t bytes);

  // The text exposition of everything registered (Prometheus text format 0.0.4). Reads the process's
  // memory and descriptors from /proc/self first: blocking file reads, call it off the io threads.
  [[nodiscard]] std::string exposition();

  [[nodiscard]] prometheus::Registry& registry() { return *registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* http_requests_;
  prometheus::Family<prometheus::Histogram>* http_duration_;
  prometheus::Gauge* http_connections_open_;
  prometheus::Gauge* sse_streams_open_;
  prometheus::Gauge* chat_streams_active_;
  std::array<prometheus::Counter*, 3> chat_turns_{};
  prometheus::Histogram* chat_turn_duration_;
  prometheus::Histogram* upstream_first_token_;
  prometheus::Family<prometheus::Counter>* upstream_requests_;
  prometheus::Family<prometheus::Counter>* upstream_errors_;
  prometheus::Family<prometheus::Counter>* tool_calls_;
  prometheus::Family<prometheus::Histogram>* tool_duration_;
  prometheus::Family<prometheus::Gauge>* mcp_server_state_;
  std::array<prometheus::Gauge*, kMcpStates.size()> mcp_servers_{};
  std::array<prometheus::Histogram*, 2> db_operation_{};
  prometheus::Family<prometheus::Counter>* blob_operations_;
  prometheus::Family<prometheus::Counter>* attachments_uploaded_;
  prometheus::Family<prometheus::Counter>* attachment_bytes_;
  prometheus::Gauge* resident_memory_;
  prometheus::Gauge* open_fds_;
  prometheus::Gauge* start_time_;
};

// The process-wide metrics every layer records into.
Metrics& global();

// A label value from outside input: valid UTF-8 without control characters (each bad byte becomes '?'), at
// most 128 bytes, "" as "none".
std::string label_value(std::string_view raw);

// What /proc/self says now; nullopt where it cannot be read.
std::optional<double> resident_memory_bytes();
std::optional<double> open_fds();
// The process's start as Unix seconds (/proc/self/stat's start time after /proc/stat's boot time).
std::optional<double> process_start_time_seconds();

// The metric names GET /metrics exposes (the dashboard test compares deploy/grafana/parley.json with these).
const std::array<std::string_view, 22>& metric_names();

}  // namespace parley::metrics
