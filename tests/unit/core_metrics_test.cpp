// The metrics facade (core/metrics): typed handles move the series they name, labels from outside input
// cannot break the exposition or grow it without bound, and the exposition is valid Prometheus text.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/metrics.hpp"

using namespace parley;

namespace {

struct Sample {
  std::string name;
  std::string labels;  // the text between the braces, as exposed
  double value = 0;
};

bool name_char(char c, bool first) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
  return alpha || (!first && c >= '0' && c <= '9');
}

// Parses one exposition line: a comment, or `name{labels} value` (labels optional). False when malformed.
bool parse_line(std::string_view line, std::optional<Sample>& out) {
  out.reset();
  if (line.empty() || line.front() == '#') return true;
  Sample s;
  std::size_t i = 0;
  while (i < line.size() && name_char(line[i], i == 0)) ++i;
  if (i == 0) return false;
  s.name = std::string(line.substr(0, i));
  if (i < line.size() && line[i] == '{') {
    const auto start = ++i;
    bool in_value = false;
    for (; i < line.size(); ++i) {
      const char c = line[i];
      if (in_value) {
        if (c == '\\') {
          if (i + 1 >= line.size()) return false;
          const char e = line[++i];
          if (e != '\\' && e != '"' && e != 'n') return false;
        } else if (c == '"') {
          in_value = false;
        } else if (c == '\n') {
          return false;
        }
      } else if (c == '"') {
        in_value = true;
      } else if (c == '}') {
        break;
      }
    }
    if (i >= line.size() || in_value) return false;
    s.labels = std::string(line.substr(start, i - start));
    ++i;
  }
  if (i >= line.size() || line[i] != ' ') return false;
  const std::string value(line.substr(i + 1));
  if (value == "+Inf" || value == "-Inf" || value == "Nan" || value == "NaN") {
    s.value = value == "-Inf" ? -INFINITY : INFINITY;
  } else {
    std::size_t used = 0;
    try {
      s.value = std::stod(value, &used);
    } catch (const std::exception&) {
      return false;
    }
    if (used != value.size()) return false;
  }
  out = std::move(s);
  return true;
}

std::vector<Sample> parse(const std::string& text) {
  std::vector<Sample> samples;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto nl = text.find('\n', pos);
    const auto line =
        std::string_view(text).substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    std::optional<Sample> s;
    EXPECT_TRUE(parse_line(line, s)) << "malformed exposition line: " << line;
    if (s) samples.push_back(*s);
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return samples;
}

std::optional<double> value_of(const std::vector<Sample>& samples, std::string_view name,
                               std::string_view labels) {
  for (const auto& s : samples)
    if (s.name == name && s.labels == labels) return s.value;
  return std::nullopt;
}

}  // namespace

TEST(Metrics, EveryNamedMetricIsExposedAndTheTextParses) {
  metrics::Metrics m;
  // Families with labels from outside appear with their first series.
  m.http_request("GET", "/health", 200, 0.001);
  m.upstream_request(200);
  m.upstream_error("timeout", 0);
  m.tool_call("s", "t", metrics::ToolStatus::finished, 0.1);
  m.mcp_server_state("s", std::nullopt, "connected");
  m.blob_operation("local", metrics::BlobOperation::put, "ok");
  m.attachment_uploaded("local", 1);
  const auto text = m.exposition();
  const auto samples = parse(text);
  for (auto name : metrics::metric_names()) {
    EXPECT_NE(text.find("# TYPE " + std::string(name) + " "), std::string::npos) << name;
  }
  EXPECT_EQ(value_of(samples, "parley_build_info", "version=\"" PARLEY_VERSION "\""), 1.0);
  EXPECT_EQ(value_of(samples, "parley_chat_turns_total", "outcome=\"completed\""), 0.0);
  EXPECT_EQ(value_of(samples, "parley_mcp_servers", "state=\"connected\""), 1.0);
  EXPECT_EQ(value_of(samples, "parley_mcp_servers", "state=\"failed\""), 0.0);
}

TEST(Metrics, TurnsCountByOutcomeAndObserveTheirDuration) {
  metrics::Metrics m;
  m.chat_turn(metrics::TurnOutcome::completed, 0.2);
  m.chat_turn(metrics::TurnOutcome::completed, 3.0);
  m.chat_turn(metrics::TurnOutcome::cancelled, 0.01);
  m.upstream_first_token().Observe(0.3);
  const auto s = parse(m.exposition());
  EXPECT_EQ(value_of(s, "parley_chat_turns_total", "outcome=\"completed\""), 2.0);
  EXPECT_EQ(value_of(s, "parley_chat_turns_total", "outcome=\"cancelled\""), 1.0);
  EXPECT_EQ(value_of(s, "parley_chat_turns_total", "outcome=\"error\""), 0.0);
  EXPECT_EQ(value_of(s, "parley_chat_turn_duration_seconds_count", ""), 3.0);
  EXPECT_NEAR(*value_of(s, "parley_chat_turn_duration_seconds_sum", ""), 3.21, 1e-9);
  EXPECT_EQ(value_of(s, "parley_chat_turn_duration_seconds_bucket", "le=\"0.25\""), 2.0);
  EXPECT_EQ(value_of(s, "parley_chat_turn_duration_seconds_bucket", "le=\"+Inf\""), 3.0);
  EXPECT_EQ(value_of(s, "parley_upstream_first_token_seconds_count", ""), 1.0);
}

TEST(Metrics, HttpRequestsUseRouteTemplatesAndBoundedMethods) {
  metrics::Metrics m;
  m.http_request("GET", "/api/presets/{name}", 200, 0.004);
  m.http_request("GET", "/api/presets/{name}", 200, 0.004);
  m.http_request("BREW", "", 404, 0.001);
  m.http_request("PROPFIND", "", 404, 0.001);
  const auto s = parse(m.exposition());
  EXPECT_EQ(value_of(s, "parley_http_requests_total",
                     "method=\"GET\",route=\"/api/presets/{name}\",status=\"200\""),
            2.0);
  // Unknown methods share one series; requests without a route do not expose their path.
  EXPECT_EQ(value_of(s, "parley_http_requests_total", "method=\"other\",route=\"unmatched\",status=\"404\""),
            2.0);
  EXPECT_EQ(value_of(s, "parley_http_request_duration_seconds_count", "route=\"unmatched\""), 2.0);
}

TEST(Metrics, HostileLabelValuesKeepTheExpositionValid) {
  metrics::Metrics m;
  const std::string nasty = std::string("ev\"il\nserver\\") + "\xff\xfe" + std::string(400, 'x');
  m.tool_call(nasty, "tool\r\n# TYPE fake counter", metrics::ToolStatus::error, 0.5);
  m.tool_call("everything", "echo", metrics::ToolStatus::finished, 0.02);
  m.upstream_error(std::string("class\xc3", 6), 502);
  const auto text = m.exposition();
  const auto s = parse(text);
  EXPECT_EQ(text.find("\n# TYPE fake"), std::string::npos);
  EXPECT_EQ(value_of(s, "parley_tool_calls_total", "server=\"everything\",status=\"finished\",tool=\"echo\""),
            1.0);
  bool nasty_seen = false;
  for (const auto& x : s) {
    if (x.name != "parley_tool_calls_total" || x.labels.find("status=\"error\"") == std::string::npos)
      continue;
    nasty_seen = true;
    EXPECT_LE(x.labels.size(), 128u * 2 + 64) << "label values are capped";
    EXPECT_NE(x.labels.find("ev\\\"il?server\\\\??xx"), std::string::npos) << x.labels;
  }
  EXPECT_TRUE(nasty_seen);
  EXPECT_EQ(metrics::label_value(""), "none");
  EXPECT_EQ(metrics::label_value(std::string(300, 'a')).size(), 128u);
  EXPECT_EQ(metrics::label_value("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(metrics::label_value("\xed\xa0\x80"), "???") << "a UTF-16 surrogate is not UTF-8";
}

TEST(Metrics, McpServerStatesMoveBetweenGaugesAndLeaveWithTheRunner) {
  metrics::Metrics m;
  m.mcp_server_state("fs", std::nullopt, "connecting");
  m.mcp_server_state("fs", "connecting", "connected");
  m.mcp_server_state("web", std::nullopt, "failed");
  auto s = parse(m.exposition());
  EXPECT_EQ(value_of(s, "parley_mcp_servers", "state=\"connected\""), 1.0);
  EXPECT_EQ(value_of(s, "parley_mcp_servers", "state=\"connecting\""), 0.0);
  EXPECT_EQ(value_of(s, "parley_mcp_servers", "state=\"failed\""), 1.0);
  EXPECT_EQ(value_of(s, "parley_mcp_server_state", "server=\"fs\",state=\"connected\""), 1.0);
  EXPECT_EQ(value_of(s, "parley_mcp_server_state", "server=\"fs\",state=\"connecting\""), 0.0);
  m.mcp_server_state("fs", "connected", std::nullopt);
  s = parse(m.exposition());
  EXPECT_EQ(value_of(s, "parley_mcp_servers", "state=\"connected\""), 0.0);
  EXPECT_EQ(value_of(s, "parley_mcp_server_state", "server=\"fs\",state=\"connected\""), 0.0);
}

TEST(Metrics, DatabaseBlobAndUploadSeries) {
  metrics::Metrics m;
  m.db_operation(metrics::DbKind::read).Observe(0.0007);
  m.db_operation(metrics::DbKind::write).Observe(0.02);
  m.db_operation(metrics::DbKind::write).Observe(0.03);
  m.blob_operation("local", metrics::BlobOperation::put, "ok");
  m.blob_operation("s3", metrics::BlobOperation::read, "not_found");
  m.attachment_uploaded("local", 1000);
  m.attachment_uploaded("local", 24);
  m.upstream_request(0);
  m.upstream_request(429);
  const auto s = parse(m.exposition());
  EXPECT_EQ(value_of(s, "parley_db_operation_duration_seconds_count", "kind=\"read\""), 1.0);
  EXPECT_EQ(value_of(s, "parley_db_operation_duration_seconds_count", "kind=\"write\""), 2.0);
  EXPECT_EQ(value_of(s, "parley_db_operation_duration_seconds_bucket", "kind=\"read\",le=\"0.001\""), 1.0);
  EXPECT_EQ(value_of(s, "parley_blob_operations_total", "backend=\"local\",operation=\"put\",outcome=\"ok\""),
            1.0);
  EXPECT_EQ(
      value_of(s, "parley_blob_operations_total", "backend=\"s3\",operation=\"read\",outcome=\"not_found\""),
      1.0);
  EXPECT_EQ(value_of(s, "parley_attachments_uploaded_total", "storage=\"local\""), 2.0);
  EXPECT_EQ(value_of(s, "parley_attachment_bytes_uploaded_total", "storage=\"local\""), 1024.0);
  EXPECT_EQ(value_of(s, "parley_upstream_requests_total", "status=\"transport_error\""), 1.0);
  EXPECT_EQ(value_of(s, "parley_upstream_requests_total", "status=\"429\""), 1.0);
}

TEST(Metrics, ProcessGaugesComeFromProcSelf) {
  metrics::Metrics m;
  const auto s = parse(m.exposition());
  const auto rss = value_of(s, "process_resident_memory_bytes", "");
  ASSERT_TRUE(rss);
  EXPECT_GT(*rss, 1024.0 * 1024.0);
  const auto fds = value_of(s, "process_open_fds", "");
  ASSERT_TRUE(fds);
  EXPECT_GE(*fds, 3.0);
  const auto start = value_of(s, "process_start_time_seconds", "");
  ASSERT_TRUE(start);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(*start, now + 1);
  EXPECT_GT(*start, now - 86400 * 7) << "the test binary started recently";
}

TEST(Metrics, GaugesOfOpenThingsGoUpAndDown) {
  metrics::Metrics m;
  m.http_connections_open().Increment();
  m.http_connections_open().Increment();
  m.http_connections_open().Decrement();
  m.sse_streams_open().Increment();
  const auto s = parse(m.exposition());
  EXPECT_EQ(value_of(s, "parley_http_connections_open", ""), 1.0);
  EXPECT_EQ(value_of(s, "parley_sse_streams_open", ""), 1.0);
  EXPECT_EQ(value_of(s, "parley_chat_streams_active", ""), 0.0);
}

// The exposition parser of these tests refuses what Prometheus refuses.
TEST(Metrics, TheTestParserRejectsMalformedLines) {
  std::optional<Sample> s;
  EXPECT_FALSE(parse_line("name{a=\"b} 1", s));
  EXPECT_FALSE(parse_line("name 1 2 x", s));
  EXPECT_FALSE(parse_line("1name 1", s));
  EXPECT_FALSE(parse_line("name{a=\"\\q\"} 1", s));
  EXPECT_TRUE(parse_line("name{a=\"\\\"\"} 1.5", s));
  EXPECT_EQ(s->value, 1.5);
}
