// What the HTTP server is told by the application: address, request limits and deadlines, connection limit,
// SSE timing, and which paths are never UI pages.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace parley::net {

class TlsCertificates;

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8000;
  std::size_t header_limit = 16 * 1024;
  std::size_t normal_body_limit = 1048576;
  std::size_t chat_body_limit = 67108864;
  std::size_t upload_body_limit = 10485760 + 65536;
  // Whole request header, counted from the end of the previous response: also how long an idle keep-alive
  // connection is kept open.
  std::chrono::milliseconds header_timeout{15000};
  std::chrono::milliseconds body_idle_timeout{30000};  // between body reads
  // Whole request body, counted from the end of its header: a client that trickles it gets 408.
  std::chrono::milliseconds body_timeout{300000};
  // Open client connections at most. At the limit, a waiting client makes room by closing the connection
  // idle longest (waiting for a request header); when none is idle it waits in the listen backlog until one
  // closes. 0: derived from the open-files limit (connection_limit_for).
  std::size_t max_connections = 0;
  std::chrono::milliseconds sse_keepalive{15000};
  std::chrono::milliseconds write_timeout{30000};  // a client that stops reading is given up
  std::chrono::milliseconds shutdown_grace{10000};
  std::size_t sse_queue_frames = 256;
  // Paths the UI never serves: a request for one that no route matches gets a JSON 404 instead of the UI's
  // index.html. An entry ending in '/' matches every path it starts; any other entry matches only itself.
  std::vector<std::string> non_ui_paths;
  // Set: the port speaks HTTPS with the certificate current when a connection is accepted (the handshake has
  // header_timeout as its deadline).
  std::shared_ptr<TlsCertificates> tls;
};

}  // namespace parley::net
