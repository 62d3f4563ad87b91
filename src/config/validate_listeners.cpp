// The checks of where the gateway listens: `listen`, `proxy_protocol` and the
// [[server.listeners]] tables with their TLS settings. What needs the files themselves (PEM
// parsing, key match, expiry, cipher strings) is checked when the snapshot is built (src/tls/),
// which `apigw check` does too.
#include <algorithm>
#include <map>
#include <string>

#include "config/detail.h"
#include "util/cidr.h"

namespace apigw::config::detail {
namespace {

constexpr std::uint32_t kMaxVerifyDepth = 10;

std::string describe(const SourcePosition& position) {
  if (position.line == 0) return position.file;
  return position.file + ":" + std::to_string(position.line) + ":" +
         std::to_string(position.column);
}

// The form two spellings of one address share ("[0::1]:80" and "[::1]:80"), for the
// duplicate check. Only called on valid listen addresses.
std::string canonical_address(const std::string& address) {
  if (!address.starts_with('[')) return address;
  const std::size_t close = address.find(']');
  const auto host = canonical_ipv6_host(std::string_view(address).substr(0, close + 1));
  return host ? *host + address.substr(close + 1) : address;
}

// Why `name` cannot be a certificate's server name, or "" when it can: an exact DNS name, or a
// wildcard "*." followed by at least two labels (RFC 6125 §6.4.3: the wildcard stands for one
// whole label; "*.com" would claim a top-level domain).
std::string server_name_problem(std::string_view name) {
  const bool wildcard = name.starts_with("*.");
  const std::string_view base = wildcard ? name.substr(2) : name;
  if (base.find('*') != base.npos) {
    return "'*' may only be the whole first label (\"*.example.com\")";
  }
  if (!is_dns_name(base)) return "not a DNS name";
  if (util::parse_ip(base)) return "an IP address, which clients never send as a server name";
  if (wildcard && base.find('.') == base.npos) {
    return "a wildcard needs at least two labels after \"*.\" (\"*.example.com\")";
  }
  return "";
}

class ListenerChecks {
 public:
  ListenerChecks(const ServerConfig& server, const ValuePositions& positions,
                 std::vector<ConfigError>& errors)
      : server_(server), positions_(positions), errors_(errors) {}

  void run();

 private:
  void error(const std::string& path, const SourcePosition& fallback, std::string message) {
    errors_.push_back({positions_.at(path, fallback), std::move(message)});
  }
  void address(const std::string& address, const std::string& path, const SourcePosition& at);
  void tls(const ListenerTlsConfig& tls, const std::string& path);
  void names(const ListenerTlsConfig& tls, const std::string& path);

  const ServerConfig& server_;
  const ValuePositions& positions_;
  std::vector<ConfigError>& errors_;
  std::map<std::string, SourcePosition> addresses_;  // canonical address -> first seen at
};

void ListenerChecks::run() {
  const SourcePosition& at = server_.position;
  if (server_.listeners.empty()) {
    error("server.listen", at,
          "no listener: 'listen' needs at least one address, or add a [[server.listeners]] table");
  }
  // server.listeners holds the `listen` entries first (add_shorthand_listeners), then the tables.
  const std::size_t shorthand = server_.listen.size();
  for (std::size_t i = 0; i < server_.listeners.size(); ++i) {
    const ListenerConfig& listener = server_.listeners[i];
    if (i < shorthand) {
      address(listener.address, "server.listen." + std::to_string(i), at);
      continue;
    }
    const std::string path = "server.listeners." + std::to_string(i - shorthand);
    if (!listener.address.empty()) {  // a missing one was reported during conversion
      address(listener.address, path + ".address", listener.position);
    }
    if (listener.tls) tls(*listener.tls, path + ".tls");
  }
  // The list is for `listen` entries; a table says `proxy_protocol = true` itself, so each
  // listener's setting is written in exactly one place.
  for (std::size_t i = 0; i < server_.proxy_protocol.size(); ++i) {
    const std::string& named = server_.proxy_protocol[i];
    if (std::find(server_.listen.begin(), server_.listen.end(), named) != server_.listen.end()) {
      continue;
    }
    const bool is_table =
        std::any_of(server_.listeners.begin() + shorthand, server_.listeners.end(),
                    [&](const ListenerConfig& l) { return l.address == named; });
    error(
        "server.proxy_protocol." + std::to_string(i), at,
        "'proxy_protocol' names '" + named + "', which is not one of 'listen'" +
            (is_table ? " (a [[server.listeners]] table sets proxy_protocol = true itself)" : ""));
  }
}

void ListenerChecks::address(const std::string& address, const std::string& path,
                             const SourcePosition& at) {
  if (!is_valid_listen_address(address)) {
    error(path, at,
          "invalid listen address '" + address +
              "' (use an IP address and port, e.g. \"0.0.0.0:8080\" or \"[::1]:8080\")");
    return;
  }
  const SourcePosition& here = positions_.at(path, at);
  const auto [first, inserted] = addresses_.emplace(canonical_address(address), here);
  if (!inserted) {
    errors_.push_back({here, "listen address '" + address + "' is given twice (first at " +
                                 describe(first->second) + ")"});
  }
}

void ListenerChecks::tls(const ListenerTlsConfig& tls, const std::string& path) {
  using ClientAuth = ListenerTlsConfig::ClientAuth;
  const SourcePosition& at = tls.position;
  const auto key = [&](std::string_view name) { return path + "." + std::string(name); };
  if (tls.certificates.empty()) {
    error(path, at,
          "a [server.listeners.tls] table needs at least one "
          "[[server.listeners.tls.certificates]] entry");
  }
  const TlsCertificateConfig* first_default = nullptr;
  for (std::size_t i = 0; i < tls.certificates.size(); ++i) {
    const TlsCertificateConfig& certificate = tls.certificates[i];
    if (!certificate.is_default) continue;
    if (first_default == nullptr) {
      first_default = &certificate;
    } else {
      error(key("certificates." + std::to_string(i) + ".default"), certificate.position,
            "only one certificate may be the default (the first is at " +
                describe(first_default->position) + ")");
    }
  }
  names(tls, path);
  if (tls.ciphers.empty() && tls.min_version == ListenerTlsConfig::Version::tls1_2) {
    error(key("ciphers"), at,
          "'ciphers' must name at least one TLS 1.2 cipher while min_version = \"1.2\"");
  }
  if (tls.ciphersuites.empty()) {
    error(key("ciphersuites"), at,
          "'ciphersuites' must name at least one TLS 1.3 suite (TLS 1.3 is always on)");
  }
  if (tls.groups.empty()) error(key("groups"), at, "'groups' must name at least one group");
  if (!tls.session_tickets && !tls.ticket_key_file.empty()) {
    error(key("ticket_key_file"), at,
          "'ticket_key_file' has no effect while session_tickets = false");
  }
  if (tls.ticket_key_rotation.count() <= 0) {
    error(key("ticket_key_rotation"), at, "'ticket_key_rotation' must be greater than zero");
  }
  if (tls.handshake_timeout.count() <= 0) {
    error(key("handshake_timeout"), at, "'handshake_timeout' must be greater than zero");
  }
  if (tls.client_auth != ClientAuth::none && tls.client_ca_file.empty()) {
    error(key("client_auth"), at,
          "client_auth = \"" +
              std::string(tls.client_auth == ClientAuth::require ? "require" : "optional") +
              "\" needs 'client_ca_file' (the CA bundle client certificates must chain to)");
  }
  // Settings that only mean something with client certificates: written alone they would
  // silently leave mTLS off, which is worth a refusal rather than a surprise.
  if (tls.client_auth == ClientAuth::none) {
    if (!tls.client_ca_file.empty()) {
      error(key("client_ca_file"), at,
            "'client_ca_file' has no effect while client_auth = \"none\" (set client_auth = "
            "\"optional\" or \"require\")");
    }
    if (tls.forward_client_cert != ListenerTlsConfig::ForwardClientCert::none) {
      error(key("forward_client_cert"), at,
            "forward_client_cert = \"subject\" needs client_auth = \"optional\" or \"require\"");
    }
  }
  if (tls.client_verify_depth < 1 || tls.client_verify_depth > kMaxVerifyDepth) {
    error(key("client_verify_depth"), at, "'client_verify_depth' must be between 1 and 10");
  }
}

void ListenerChecks::names(const ListenerTlsConfig& tls, const std::string& path) {
  std::map<std::string, SourcePosition> seen;  // lower-cased name -> first seen at
  for (std::size_t i = 0; i < tls.certificates.size(); ++i) {
    const TlsCertificateConfig& certificate = tls.certificates[i];
    const std::string names_path = path + ".certificates." + std::to_string(i) + ".names";
    for (std::size_t j = 0; j < certificate.names.size(); ++j) {
      const std::string& name = certificate.names[j];
      const std::string name_path = names_path + "." + std::to_string(j);
      if (const std::string problem = server_name_problem(name); !problem.empty()) {
        error(name_path, certificate.position, "invalid server name '" + name + "': " + problem);
        continue;
      }
      const SourcePosition& here = positions_.at(name_path, certificate.position);
      const auto [first, inserted] = seen.emplace(ascii_lower(name), here);
      if (!inserted) {
        errors_.push_back({here, "server name '" + name +
                                     "' is named twice on this listener (first at " +
                                     describe(first->second) + ")"});
      }
    }
  }
}

}  // namespace

void validate_listeners(const ServerConfig& server, const ValuePositions& positions,
                        std::vector<ConfigError>& errors) {
  ListenerChecks(server, positions, errors).run();
}

}  // namespace apigw::config::detail
