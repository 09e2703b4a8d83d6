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

void SqlConnection::for_each_row(std::string_view sql, const SqlParams& params,
                                 const std::function<bool(const SqlRow&)>& row) {
  for (const auto& r : query(sql, params)) {
    if (!row(r)) return;
  }
}

}  // namespace parley::store
