#include "llm/model_catalog.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "llm/model_enrichment.hpp"

namespace parley::llm {

namespace bj = boost::json;
namespace asio = boost::asio;
using Broadcast = asio::experimental::concurrent_channel<void(boost::system::error_code)>;

struct ModelCatalog::State {
  std::mutex mutex;
  CatalogResult cached;
  std::chrono::steady_clock::time_point fetched_at{};
  // While a fetch runs, waiters park on this channel; closing it wakes them all.
  std::shared_ptr<Broadcast> in_flight;
};

ModelCatalog::ModelCatalog(ProviderClient& provider)
    : provider_(provider), state_(std::make_shared<State>()) {}
ModelCatalog::~ModelCatalog() = default;

void ModelCatalog::invalidate() {
  std::lock_guard lock(state_->mutex);
  state_->fetched_at = {};
  state_->cached = {};
}

asio::awaitable<CatalogResult> ModelCatalog::models() {
  auto state = state_;
  std::shared_ptr<Broadcast> wait_on;
  {
    std::lock_guard lock(state->mutex);
    const auto age = std::chrono::steady_clock::now() - state->fetched_at;
    if (state->cached.payload && age < std::chrono::seconds(60)) co_return state->cached;
    if (state->in_flight) {
      wait_on = state->in_flight;
    } else {
      state->in_flight = std::make_shared<Broadcast>(co_await asio::this_coro::executor, 0);
    }
  }
  if (wait_on) {
    co_await wait_on->async_receive(asio::as_tuple(asio::use_awaitable));
    std::lock_guard lock(state->mutex);
    co_return state->cached;
  }

  auto fetched = co_await provider_.models();
  CatalogResult result;
  if (fetched) {
    result.payload = std::make_shared<const bj::value>(std::move(*fetched));
  } else {
    result.error = fetched.error();
  }
  std::shared_ptr<Broadcast> done;
  {
    std::lock_guard lock(state->mutex);
    // Only successes are cached; the waiters of this fetch see its failure too.
    state->cached = result;
    state->fetched_at =
        result.payload ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    done = std::move(state->in_flight);
  }
  if (done) done->close();
  co_return result;
}

asio::awaitable<std::optional<bj::object>> ModelCatalog::find_model(std::string model_id) {
  const auto result = co_await models();
  if (!result.payload || !result.payload->is_object()) co_return std::nullopt;
  const auto* data = result.payload->as_object().if_contains("data");
  if (!data || !data->is_array()) co_return std::nullopt;
  for (const auto& m : data->as_array()) {
    if (!m.is_object()) continue;
    const auto* id = m.as_object().if_contains("id");
    if (id && id->is_string() && id->as_string() == model_id) co_return m.as_object();
  }
  co_return std::nullopt;
}

asio::awaitable<std::optional<bool>> ModelCatalog::tool_capability(std::string model_id) {
  const auto model = co_await find_model(std::move(model_id));
  if (!model) co_return std::nullopt;
  co_return llm::tool_capability(*model);
}

}  // namespace parley::llm
