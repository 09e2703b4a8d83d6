#include "store/sql_connection.hpp"

#include <charconv>

#include "store/repository.hpp"

namespace parley::store {

std::int64_t SqlRow::integer(std::size_t i) const {
  const auto& v = values.at(i);
  if (!v) return 0;
  std::int64_t out = 0;
  const auto* end = v->data() + v->size();
  auto [ptr, ec] = std::from_chars(v->data(), end, out);
  if (ec != std::errc()) throw DatabaseError("expected an integer column, got '" + *v + "'");
  return out;
}

}  // namespace parley::store
