// The HTTP client's view of a URL and the request bytes it sends, and what an upstream failure is called.
#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>

#include "net/client_target.hpp"
#include "net/transport_errors.hpp"

namespace {

using namespace parley::net;

TEST(ClientTarget, ParsesSchemeHostPortAndPathWithQuery) {
  const auto t = parse_client_target("https://api.example.com/v1/chat?x=1&y=%20");
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->tls);
  EXPECT_EQ(t->host, "api.example.com");
  EXPECT_EQ(t->port, "443");
  EXPECT_EQ(t->path_and_query, "/v1/chat?x=1&y=%20");
  EXPECT_EQ(t->key(), "https://api.example.com:443");

  const auto v6 = parse_client_target("http://[::1]:8080");
  ASSERT_TRUE(v6);
  EXPECT_FALSE(v6->tls);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, "8080");
  EXPECT_EQ(v6->path_and_query, "/");
}

TEST(ClientTarget, RefusesWhatIsNotAnAbsoluteHttpUrl) {
  EXPECT_FALSE(parse_client_target("ftp://example.com/"));
  EXPECT_FALSE(parse_client_target("/relative/path"));
  EXPECT_FALSE(parse_client_target("http:///no-host"));
  EXPECT_FALSE(parse_client_target("not a url"));
}

TEST(ClientRequestBytes, HostWithPortForNonDefaultPortsAndOwnContentLength) {
  ClientRequest r;
  r.method = "POST";
  r.headers.add("Content-Type", "application/json");
  r.headers.add("Content-Length", "999");  // parley's own is sent instead
  r.headers.add("Host", "evil.example");
  r.body = "{}";
  const auto wire = serialize_request(r, *parse_client_target("http://[::1]:8080/x"));
  EXPECT_EQ(wire,
            "POST /x HTTP/1.1\r\nHost: [::1]:8080\r\nContent-Type: application/json\r\n"
            "User-Agent: parley/" PARLEY_VERSION "\r\nContent-Length: 2\r\n\r\n{}");
}

TEST(ClientRequestBytes, HeaderFieldsWithLineBreaksAreDropped) {
  ClientRequest r;
  r.headers.add("X-Ok", "fine");
  r.headers.add("X-Bad", "a\r\nInjected: yes");
  r.headers.add("User-Agent", "custom/1");
  const auto wire = serialize_request(r, *parse_client_target("https://example.com"));
  EXPECT_EQ(wire, "GET / HTTP/1.1\r\nHost: example.com\r\nX-Ok: fine\r\nUser-Agent: custom/1\r\n\r\n");
}

TEST(TransportErrors, HeadFailuresByCause) {
  using Kind = TransportError::Kind;
  EXPECT_EQ(head_failure({boost::asio::error::operation_aborted, false, true}, false).kind, Kind::cancelled);
  EXPECT_EQ(head_failure({boost::asio::error::operation_aborted, true, false}, true).kind, Kind::timeout);
  const auto truncated = head_failure({boost::beast::http::error::partial_message, false, false}, true);
  EXPECT_EQ(truncated.kind, Kind::disconnected);
  EXPECT_NE(truncated.message.find("malformed or truncated response"), std::string::npos);
  const auto refused = head_failure({boost::asio::error::connection_refused, false, false}, false);
  EXPECT_EQ(refused.kind, Kind::unreachable);
  EXPECT_EQ(refused.message, "connection refused");
}

TEST(TransportErrors, BodyFailuresByCauseAndNoneForACleanEnd) {
  using Kind = TransportError::Kind;
  EXPECT_FALSE(body_failure({{}, false, false}));
  EXPECT_EQ(body_failure({{}, false, true})->kind, Kind::cancelled);
  EXPECT_EQ(body_failure({boost::asio::error::operation_aborted, true, false})->kind, Kind::timeout);
  EXPECT_EQ(body_failure({boost::asio::error::connection_reset, false, false})->kind, Kind::disconnected);
}

}  // namespace
