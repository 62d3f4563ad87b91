// The single translation unit that compiles Asio's implementation (separate compilation keeps
// every other file that includes Asio from re-instantiating it).
#include <boost/asio/impl/src.hpp>
