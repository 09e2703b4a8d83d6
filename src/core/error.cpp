#include "core/error.hpp"

#include <boost/json/object.hpp>

namespace parley {

ApiError ApiError::make(int status, std::string_view message) {
  return ApiError{status, boost::json::string(message)};
}

void ValidationErrors::add(std::string type, boost::json::array location, std::string msg) {
  items_.push_back(boost::json::object{{"type", type}, {"loc", std::move(location)}, {"msg", msg}});
}

void ValidationErrors::add(std::string type, boost::json::array location, std::string msg,
                           boost::json::value input) {
  items_.push_back(boost::json::object{
      {"type", type}, {"loc", std::move(location)}, {"msg", msg}, {"input", std::move(input)}});
}

ApiError ValidationErrors::to_error() const {
  return ApiError{422, items_};
}

boost::json::array loc(std::initializer_list<boost::json::value_ref> parts) {
  return boost::json::array(parts);
}

}  // namespace parley
