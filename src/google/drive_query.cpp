#include "google/drive_query.hpp"

#include "core/text.hpp"

namespace parley::google {

std::string drive_literal(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string drive_query(const std::string& query) {
  const auto lower = text::lower(query);
  for (std::string_view op : {" contains ", "=", " in ", "mimetype", "trashed", "modifiedtime",
                              "sharedwithme", "fulltext", "starred", "createdtime", "properties has"}) {
    if (lower.find(op) != std::string::npos) return query;
  }
  return "(name contains " + drive_literal(query) + " or fullText contains " + drive_literal(query) +
         ") and trashed = false";
}

}  // namespace parley::google
