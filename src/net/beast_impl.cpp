// The one translation unit that compiles Boost.Beast (separate compilation keeps every other file from
// instantiating it again); Asio itself is compiled once in core/asio_impl.cpp.
#include <boost/beast/src.hpp>
