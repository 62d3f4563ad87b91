#include "store/http/tls_contexts.h"

#include <openssl/ssl.h>

namespace apigw::store::http {
namespace ssl = boost::asio::ssl;

Result<ssl::context*> TlsContexts::get(const TlsOptions& options) {
  for (auto& entry : contexts_) {
    if (entry.options == options) return entry.context.get();
  }
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = context->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return HttpError{ErrorKind::tls, "cannot require TLS 1.2"};
  }
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_compression, ec);
  if (options.verify) {
    context->set_verify_mode(ssl::verify_peer, ec);
    if (!options.ca_file.empty()) {
      context->load_verify_file(options.ca_file, ec);
      if (ec) {
        return HttpError{ErrorKind::tls,
                         "cannot load ca_file " + options.ca_file + ": " + ec.message()};
      }
    } else {
      context->set_default_verify_paths(ec);
      if (ec) return HttpError{ErrorKind::tls, "cannot load the system CA store: " + ec.message()};
    }
  } else {
    context->set_verify_mode(ssl::verify_none, ec);
  }
  contexts_.push_back(Entry{options, std::move(context)});
  return contexts_.back().context.get();
}

}  // namespace apigw::store::http
