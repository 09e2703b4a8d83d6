// How an object store's answers read, the same for GCS's and S3's XML/JSON APIs: a create-only PUT (412: the
// object exists), a GET (404: not found) and a DELETE (404 counts as gone). `store` names the backend in
// messages ("GCS", "S3").
#pragma once

#include <string>
#include <string_view>

#include "blob/blob_store.hpp"
#include "net/http_client.hpp"

namespace parley::blob {

using ObjectAnswer = Result<net::ClientResponse, net::TransportError>;

Result<void, BlobError> put_answer(std::string_view store, const ObjectAnswer& answer);
Result<std::string, BlobError> read_answer(std::string_view store, ObjectAnswer answer);
Result<void, BlobError> remove_answer(std::string_view store, const ObjectAnswer& answer);

}  // namespace parley::blob
