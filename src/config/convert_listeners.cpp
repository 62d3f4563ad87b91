// TOML -> ListenerConfig: the [[server.listeners]] tables, each with an optional
// [server.listeners.tls] table and its [[server.listeners.tls.certificates]]. Shape and type
// errors are reported here; addresses, names and ranges are checked by validate_listeners.cpp.
// Files (certificates, keys, CA bundles) are read when a snapshot is built (src/tls/), so that
// `apigw check` and a reload report an unreadable file the same way.
#include <toml++/toml.h>

#include "config/detail.h"
#include "config/reader.h"

namespace apigw::config::detail {
namespace {

const FieldTable<ListenerTlsConfig> kTlsFields = {
    {"ciphers", &ListenerTlsConfig::ciphers},
    {"ciphersuites", &ListenerTlsConfig::ciphersuites},
    {"groups", &ListenerTlsConfig::groups},
    {"session_tickets", &ListenerTlsConfig::session_tickets},
    {"ticket_key_rotation", &ListenerTlsConfig::ticket_key_rotation},
    {"ticket_key_file", &ListenerTlsConfig::ticket_key_file},
    {"handshake_timeout", &ListenerTlsConfig::handshake_timeout},
    {"client_ca_file", &ListenerTlsConfig::client_ca_file},
    {"client_verify_depth", &ListenerTlsConfig::client_verify_depth},
};

// "1.2" written as a TOML number would be a float: say how to write it instead of only
// "must be a string".
bool read_min_version(TableReader& reader, ListenerTlsConfig::Version& out) {
  using Version = ListenerTlsConfig::Version;
  if (const toml::node* node = reader.find("min_version"); node != nullptr && node->is_number()) {
    reader.error_at(*node, "'min_version' must be a string: \"1.2\" or \"1.3\" (with quotes)");
    return false;
  }
  return reader.read_enum("min_version", {{"1.2", Version::tls1_2}, {"1.3", Version::tls1_3}}, out);
}

TlsCertificateConfig convert_certificate(const toml::table& table, const std::string& path,
                                         LoadContext& ctx) {
  TlsCertificateConfig certificate;
  TableReader reader(table, path, {"cert", "key", "names", "default", "ocsp_response"}, ctx);
  certificate.position = reader.position();
  reader.read_string("cert", certificate.cert, Presence::required);
  reader.read_string("key", certificate.key, Presence::required);
  reader.read_strings("names", certificate.names);
  reader.read_bool("default", certificate.is_default);
  reader.read_string("ocsp_response", certificate.ocsp_response);
  return certificate;
}

ListenerTlsConfig convert_tls(const toml::table& table, const std::string& path, LoadContext& ctx) {
  using ClientAuth = ListenerTlsConfig::ClientAuth;
  using Forward = ListenerTlsConfig::ForwardClientCert;
  ListenerTlsConfig tls;
  TableReader reader(
      table, path,
      kTlsFields.keys({"min_version", "client_auth", "forward_client_cert", "certificates"}), ctx);
  tls.position = reader.position();
  read_min_version(reader, tls.min_version);
  kTlsFields.read(reader, tls);
  reader.read_enum("client_auth",
                   {{"none", ClientAuth::none},
                    {"optional", ClientAuth::optional},
                    {"require", ClientAuth::require}},
                   tls.client_auth);
  reader.read_enum("forward_client_cert", {{"none", Forward::none}, {"subject", Forward::subject}},
                   tls.forward_client_cert);
  if (const toml::node* certificates = reader.find("certificates")) {
    for_each_table(*certificates, "certificates", reader.path_of("certificates"), ctx,
                   [&](const toml::table& entry, const std::string& entry_path) {
                     tls.certificates.push_back(convert_certificate(entry, entry_path, ctx));
                   });
  }
  return tls;
}

ListenerConfig convert_listener(const toml::table& table, const std::string& path,
                                LoadContext& ctx) {
  ListenerConfig listener;
  TableReader reader(table, path, {"address", "proxy_protocol", "http2", "tls"}, ctx);
  listener.position = reader.position();
  reader.read_string("address", listener.address, Presence::required);
  reader.read_bool("proxy_protocol", listener.proxy_protocol);
  if (reader.find("http2") != nullptr) {
    bool http2 = false;
    reader.read_bool("http2", http2);
    listener.http2 = http2;
  }
  if (const toml::table* tls = reader.read_table("tls")) {
    listener.tls = convert_tls(*tls, reader.path_of("tls"), ctx);
  }
  return listener;
}

}  // namespace

void convert_listeners(const toml::node& node, ServerConfig& server, LoadContext& ctx) {
  for_each_table(node, "listeners", "server.listeners", ctx,
                 [&](const toml::table& table, const std::string& path) {
                   server.listeners.push_back(convert_listener(table, path, ctx));
                 });
}

}  // namespace apigw::config::detail
