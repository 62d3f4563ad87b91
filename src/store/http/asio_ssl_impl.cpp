// Asio's SSL implementation, compiled once (BOOST_ASIO_SEPARATE_COMPILATION, as src/asio_impl.cpp
// does for the rest of Asio). It lives here, not in apigw_asio, because the outbound HTTP client is
// so far the only user of TLS through Asio and this layer is the one linking OpenSSL::SSL; move it
// next to asio_impl.cpp when another layer needs it.
#include <boost/asio/ssl/impl/src.hpp>
