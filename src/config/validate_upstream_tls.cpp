// The checks of an upstream's `tls` table. The files are only checked to be readable here (so
// that a typo in a path refuses the config with its file:line); their contents (PEM, the key
// matching the certificate) are parsed when the snapshot builds the upstream's client context
// (src/tls/upstream_context.h), whose failure answers the upstream's requests with 502
// upstream_tls_failed and logs the reason.
#include <cerrno>
#include <cstring>
#include <fstream>

#include "config/detail.h"
#include "util/cidr.h"

namespace apigw::config::detail {
namespace {

// "" when the file can be opened for reading, else why not.
std::string unreadable(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (file) return "";
  return std::strerror(errno);
}

}  // namespace

void validate_upstream_tls(const UpstreamConfig& upstream, const std::string& path,
                           const ValuePositions& positions, std::vector<ConfigError>& errors) {
  if (!upstream.tls) return;
  const UpstreamTlsConfig& tls = *upstream.tls;
  const SourcePosition& at = tls.position;
  const auto error = [&](std::string_view key, std::string message) {
    errors.push_back({positions.at(path + ".tls." + std::string(key), at), std::move(message)});
  };
  if (tls.client_cert.empty() != tls.client_key.empty()) {
    error(tls.client_cert.empty() ? "client_key" : "client_cert",
          "'client_cert' and 'client_key' go together: set both (mTLS to the targets) or neither");
  }
  if (!tls.server_name.empty() && !is_dns_name(tls.server_name) &&
      !util::parse_ip(tls.server_name)) {
    error("server_name", "invalid 'server_name' '" + tls.server_name +
                             "' (a DNS name such as \"api.internal\", or an IP address)");
  }
  for (const auto& [key, file] :
       {std::pair<std::string_view, const std::string&>{"ca_file", tls.ca_file},
        {"client_cert", tls.client_cert},
        {"client_key", tls.client_key}}) {
    if (file.empty()) continue;
    if (const std::string why = unreadable(file); !why.empty()) {
      error(key, "upstream '" + upstream.name + "': cannot read " + std::string(key) + " '" + file +
                     "' (" + why + ")");
    }
  }
  if (!tls.verify && !tls.ca_file.empty()) {
    error("ca_file", "'ca_file' has no effect while verify = false");
  }
}

}  // namespace apigw::config::detail
