// Expected failures as values: an HTTP status plus the spec's {"detail": ...} payload (api.md §0.5).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace parley {

struct ApiError {
  int status = 500;
  boost::json::value
      detail;  // a string, or a list of validation items (422), or upstream JSON on proxy routes

  static ApiError make(int status, std::string_view message);
  static ApiError bad_request(std::string_view message) { return make(400, message); }
  static ApiError not_found(std::string_view message = "Not Found") { return make(404, message); }
  static ApiError internal() { return make(500, "Internal Server Error"); }
};

// One item of a 422 validation list: {"type","loc","msg"[,"input"]}.
struct ValidationItem {
  std::string type;
  boost::json::array loc;
  std::string msg;
  boost::json::value input = nullptr;
  bool has_input = false;
};

// Collects validation items and turns them into one 422 ApiError.
class ValidationErrors {
 public:
  void add(std::string type, boost::json::array loc, std::string msg);
  void add(std::string type, boost::json::array loc, std::string msg, boost::json::value input);
  [[nodiscard]] bool empty() const { return items_.empty(); }
  [[nodiscard]] ApiError to_error() const;

 private:
  boost::json::array items_;
};

// A location array like ["body","messages",0,"content"].
boost::json::array loc(std::initializer_list<boost::json::value_ref> parts);

template <class T>
using Result = boost::system::result<T, ApiError>;

}  // namespace parley
