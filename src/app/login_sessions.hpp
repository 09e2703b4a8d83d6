// auth/ keeps login sessions through its own SessionStore interface and store/ keeps the rows behind
// LoginSessionRepository; neither layer knows the other, so the wiring joins them here.
#pragma once

#include "auth/session_store.hpp"
#include "store/login_session_repository.hpp"

namespace parley::app {

class LoginSessions final : public auth::SessionStore {
 public:
  explicit LoginSessions(store::LoginSessionRepository& rows) : rows_(rows) {}
  void create_session(const std::string& token_hash, auth::SystemTime created_at, auth::SystemTime expires_at,
                      const std::string& user_agent) override {
    rows_.create_session(token_hash, created_at, expires_at, user_agent);
  }
  std::optional<auth::SystemTime> find_session(const std::string& token_hash) override {
    return rows_.find_session(token_hash);
  }
  void touch_session(const std::string& token_hash, auth::SystemTime seen_at) override {
    rows_.touch_session(token_hash, seen_at);
  }
  void delete_session(const std::string& token_hash) override { rows_.delete_session(token_hash); }
  void delete_all_sessions() override { rows_.delete_all_sessions(); }
  int delete_expired_sessions(auth::SystemTime now) override { return rows_.delete_expired_sessions(now); }

 private:
  store::LoginSessionRepository& rows_;
};

}  // namespace parley::app
