// The one translation unit that compiles Boost.Asio and its SSL layer (separate compilation keeps every other
// file from instantiating them again). In core/ because the blocking pool and every layer above run on Asio.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
