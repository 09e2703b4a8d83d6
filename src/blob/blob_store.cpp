#include "blob/blob_store.hpp"

#include "core/metrics.hpp"

namespace parley::blob {

namespace {

std::string_view outcome_of(const BlobError& e) {
  switch (e.kind) {
    case BlobError::Kind::exists:
      return "exists";
    case BlobError::Kind::not_found:
      return "not_found";
    case BlobError::Kind::failed:
      break;
  }
  return "error";
}

template <class R>
void count(const BlobStore& store, metrics::BlobOperation operation, const R& result) {
  metrics::global().blob_operation(store.backend(), operation, result ? "ok" : outcome_of(result.error()));
}

}  // namespace

boost::asio::awaitable<Result<void, BlobError>> BlobStore::put_new(std::string key, std::string bytes,
                                                                   std::string content_type) {
  auto result = co_await do_put_new(std::move(key), std::move(bytes), std::move(content_type));
  count(*this, metrics::BlobOperation::put, result);
  co_return result;
}

boost::asio::awaitable<Result<std::string, BlobError>> BlobStore::read(std::string key) {
  auto result = co_await do_read(std::move(key));
  count(*this, metrics::BlobOperation::read, result);
  co_return result;
}

boost::asio::awaitable<Result<void, BlobError>> BlobStore::remove(std::string key) {
  auto result = co_await do_remove(std::move(key));
  count(*this, metrics::BlobOperation::remove, result);
  co_return result;
}

}  // namespace parley::blob
