// Opens a connection to a URL's origin: DNS through Asio's asynchronous resolver (skipped for an
// IP literal), TCP connect to each resolved address in turn, then the TLS handshake for https.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>

#include "store/http/client_connection.h"
#include "store/http/error.h"
#include "store/net.h"
#include "store/http/request_watchdog.h"
#include "store/http/url.h"

namespace apigw::store::http {

// `tls_context` is null for http://. The watchdog, armed by the caller, aborts a lookup, connect
// or handshake in progress; its reason then is the result. Errors: dns, connect, tls.
awaitable<Result<std::unique_ptr<ClientConnection>>> open_connection(const Url& url,
                                                                     net::ssl::context* tls_context,
                                                                     RequestWatchdog& watchdog);

}  // namespace apigw::store::http
