#include "net/connection_pool.hpp"

namespace parley::net {

namespace ssl = boost::asio::ssl;

ssl::context& ConnectionPool::tls() {
  std::call_once(tls_once_, [this] {
    tls_context_.emplace(ssl::context::tls_client);
    tls_context_->set_default_verify_paths();
    tls_context_->set_verify_mode(ssl::verify_peer);
    tls_context_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                              ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  });
  return *tls_context_;
}

std::shared_ptr<ClientConnection> ConnectionPool::take(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = idle_.find(key);
  if (it == idle_.end()) return nullptr;
  while (!it->second.empty()) {
    auto c = std::move(it->second.back());
    it->second.pop_back();
    if (std::chrono::steady_clock::now() - c->idle_since < kIdleLimit && c->socket().is_open()) return c;
  }
  return nullptr;
}

void ConnectionPool::give_back(std::shared_ptr<ClientConnection> c) {
  c->idle_since = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  auto& q = idle_[c->target.key()];
  if (q.size() < kIdlePerTarget) q.push_back(std::move(c));
}

}  // namespace parley::net
