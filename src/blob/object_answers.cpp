#include "blob/object_answers.hpp"

namespace parley::blob {

namespace {

BlobError unreachable(std::string_view store, const net::TransportError& e) {
  return BlobError::failed(std::string(store) + " unreachable: " + e.message);
}

BlobError answered(std::string_view store, int status) {
  return BlobError::failed(std::string(store) + " answered " + std::to_string(status));
}

}  // namespace

Result<void, BlobError> put_answer(std::string_view store, const ObjectAnswer& answer) {
  if (!answer) return unreachable(store, answer.error());
  const int status = answer->status;
  if (status == 200 || status == 201) return {};
  if (status == 412) return BlobError{BlobError::Kind::exists, "object already exists"};
  return answered(store, status);
}

Result<std::string, BlobError> read_answer(std::string_view store, ObjectAnswer answer) {
  if (!answer) return unreachable(store, answer.error());
  if (answer->status == 200) return std::move(answer->body);
  if (answer->status == 404) return BlobError{BlobError::Kind::not_found, "object not found"};
  return answered(store, answer->status);
}

Result<void, BlobError> remove_answer(std::string_view store, const ObjectAnswer& answer) {
  if (!answer) return unreachable(store, answer.error());
  const int status = answer->status;
  if (status == 200 || status == 204 || status == 404) return {};
  return answered(store, status);
}

}  // namespace parley::blob
