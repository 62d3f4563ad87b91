// The client side's OpenSSL contexts: one per distinct TlsOptions, built on first use (loading a
// CA store costs milliseconds) and reused by every later connection with the same options.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <vector>

#include "store/http/error.h"
#include "store/http/message.h"

namespace apigw::store::http {

class TlsContexts {
 public:
  // The context for `options`: TLS 1.2 at least; with verify, peer verification against
  // options.ca_file or the system store (SSL_CTX_set_default_verify_paths). A CA file that cannot
  // be read is a tls error, retried (not cached) on the next request.
  Result<boost::asio::ssl::context*> get(const TlsOptions& options);
  std::size_t size() const { return contexts_.size(); }

 private:
  struct Entry {
    TlsOptions options;
    std::unique_ptr<boost::asio::ssl::context> context;
  };
  // A handful of entries at most (one per distinct feature setting): a scan beats a hash.
  std::vector<Entry> contexts_;
};

}  // namespace apigw::store::http
