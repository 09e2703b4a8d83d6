#include "core/error.hpp"

#include <boost/json/object.hpp>

namespace parley {

Error Error::make(ErrorKind kind, std::string_view message) {
  return Error{kind, boost::json::string(message), 0};
}

void ValidationErrors::add(std::string type, boost::json::array location, std::string msg) {
  items_.push_back(boost::json::object{{"type", type}, {"loc", std::move(location)}, {"msg", msg}});
}

void ValidationErrors::add(std::string type, boost::json::array location, std::string msg,
                           boost::json::value input) {
  items_.push_back(boost::json::object{
      {"type", type}, {"loc", std::move(location)}, {"msg", msg}, {"input", std::move(input)}});
}

Error ValidationErrors::to_error() const {
  return Error{ErrorKind::invalid_content, items_, 0};
}

boost::json::array loc(std::initializer_list<boost::json::value_ref> parts) {
  return boost::json::array(parts);
}

}  // namespace parley
