#include "google/tool_session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

namespace parley::google {

namespace {

boost::asio::awaitable<ApiResult<ApiResponse>> run_call(GoogleApi* api, std::string email,
                                                        ApiRequest request) {
  co_return co_await api->call(std::move(email), std::move(request));
}

boost::asio::awaitable<AuthResult<AuthStatus>> run_status(GoogleAuth* auth, std::string email) {
  co_return co_await auth->status(std::move(email));
}

}  // namespace

ToolSession::ToolSession(GoogleAuthSettings auth_settings, ApiSettings api_settings,
                         std::unique_ptr<TokenStore> tokens)
    : work_(boost::asio::make_work_guard(ioc_)),
      http_(ioc_),
      tokens_(std::move(tokens)),
      auth_(std::move(auth_settings), *tokens_, http_, nullptr),
      api_(auth_, http_, std::move(api_settings)),
      runner_([this] { ioc_.run(); }) {}

ToolSession::~ToolSession() {
  work_.reset();
  ioc_.stop();
  runner_.join();
}

GoogleToolBackend ToolSession::backend() {
  GoogleToolBackend b;
  b.call = [this](const std::string& email, ApiRequest request) {
    return boost::asio::co_spawn(ioc_, run_call(&api_, email, std::move(request)), boost::asio::use_future)
        .get();
  };
  b.status = [this](const std::string& email) {
    return boost::asio::co_spawn(ioc_, run_status(&auth_, email), boost::asio::use_future).get();
  };
  b.auth_url = [this](const std::string& email, const std::optional<std::string>& redirect) {
    return auth_.authorization_url(email, redirect);
  };
  return b;
}

}  // namespace parley::google
