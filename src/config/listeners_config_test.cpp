// [[server.listeners]] with TLS: every key and its default, how tables and `listen` combine, and
// every check with the place it points at.
#include <gtest/gtest.h>

#include <fstream>

#include "config/test_support.h"

namespace apigw::config {
namespace {

using testing::all_errors;
using testing::find_error;
using testing::load_text;
using testing::with_minimal_rest;
using Tls = ListenerTlsConfig;

constexpr std::string_view kFullListener = R"([[server.listeners]]
address = "0.0.0.0:8443"
proxy_protocol = true

[server.listeners.tls]
min_version = "1.3"
ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256"
ciphersuites = "TLS_AES_128_GCM_SHA256"
groups = "X25519"
session_tickets = true
ticket_key_rotation = "6h"
ticket_key_file = "/etc/apigw/tickets.key"
handshake_timeout = "5s"
client_auth = "optional"
client_ca_file = "/etc/apigw/clients.pem"
client_verify_depth = 2
forward_client_cert = "subject"

[[server.listeners.tls.certificates]]
cert = "/etc/apigw/api.pem"
key = "/etc/apigw/api.key"
names = ["api.example.com", "*.api.example.com"]
ocsp_response = "/etc/apigw/api.ocsp"

[[server.listeners.tls.certificates]]
cert = "/etc/apigw/other.pem"
key = "/etc/apigw/other.key"
default = true
)";

TEST(ConfigListeners, ReadsEveryKey) {
  const auto result = load_text(with_minimal_rest(kFullListener));
  ASSERT_TRUE(result.config) << all_errors(result);
  const ServerConfig& server = result.config->server;
  ASSERT_EQ(server.listeners.size(), 1u);
  const ListenerConfig& listener = server.listeners[0];
  EXPECT_EQ(listener.address, "0.0.0.0:8443");
  EXPECT_TRUE(listener.proxy_protocol);
  EXPECT_EQ(listener.position.line, 1u);
  ASSERT_TRUE(listener.tls.has_value());
  const Tls& tls = *listener.tls;
  EXPECT_EQ(tls.min_version, Tls::Version::tls1_3);
  EXPECT_EQ(tls.ciphers, "ECDHE-ECDSA-AES128-GCM-SHA256");
  EXPECT_EQ(tls.ciphersuites, "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(tls.groups, "X25519");
  EXPECT_TRUE(tls.session_tickets);
  EXPECT_EQ(tls.ticket_key_rotation, Duration{6 * 3600 * 1000});
  EXPECT_EQ(tls.ticket_key_file, "/etc/apigw/tickets.key");
  EXPECT_EQ(tls.handshake_timeout, Duration{5000});
  EXPECT_EQ(tls.client_auth, Tls::ClientAuth::optional);
  EXPECT_EQ(tls.client_ca_file, "/etc/apigw/clients.pem");
  EXPECT_EQ(tls.client_verify_depth, 2u);
  EXPECT_EQ(tls.forward_client_cert, Tls::ForwardClientCert::subject);
  ASSERT_EQ(tls.certificates.size(), 2u);
  EXPECT_EQ(tls.certificates[0].cert, "/etc/apigw/api.pem");
  EXPECT_EQ(tls.certificates[0].key, "/etc/apigw/api.key");
  EXPECT_EQ(tls.certificates[0].names,
            (std::vector<std::string>{"api.example.com", "*.api.example.com"}));
  EXPECT_EQ(tls.certificates[0].ocsp_response, "/etc/apigw/api.ocsp");
  EXPECT_FALSE(tls.certificates[0].is_default);
  EXPECT_TRUE(tls.certificates[1].is_default);
  EXPECT_TRUE(tls.certificates[1].names.empty());
  EXPECT_EQ(tls.certificates[1].position.line, 25u);
}

TEST(ConfigListeners, DefaultsAreMozillaIntermediateWithTickets) {
  const auto result = load_text(with_minimal_rest(R"([[server.listeners]]
address = "127.0.0.1:8443"
tls = { certificates = [{ cert = "/c.pem", key = "/c.key" }] }
)"));
  ASSERT_TRUE(result.config) << all_errors(result);
  const ListenerConfig& listener = result.config->server.listeners[0];
  EXPECT_FALSE(listener.proxy_protocol);
  ASSERT_TRUE(listener.tls.has_value());
  const Tls defaults;
  const Tls& tls = *listener.tls;
  EXPECT_EQ(tls.min_version, Tls::Version::tls1_2);
  EXPECT_EQ(tls.ciphers, defaults.ciphers);
  EXPECT_NE(tls.ciphers.find("ECDHE-ECDSA-AES128-GCM-SHA256"), std::string::npos);
  EXPECT_EQ(tls.ciphersuites, defaults.ciphersuites);
  EXPECT_EQ(tls.groups, "X25519:prime256v1:secp384r1");
  EXPECT_TRUE(tls.session_tickets);
  EXPECT_EQ(tls.ticket_key_rotation, Duration{12 * 3600 * 1000});
  EXPECT_EQ(tls.ticket_key_file, "");
  EXPECT_EQ(tls.handshake_timeout, Duration{10'000});
  EXPECT_EQ(tls.client_auth, Tls::ClientAuth::none);
  EXPECT_EQ(tls.client_verify_depth, 3u);
  EXPECT_EQ(tls.forward_client_cert, Tls::ForwardClientCert::none);
  ASSERT_EQ(tls.certificates.size(), 1u);
  EXPECT_FALSE(tls.certificates[0].is_default);
}

TEST(ConfigListeners, TablesWithoutListenBindOnlyTheTables) {
  const auto result = load_text(with_minimal_rest(R"([[server.listeners]]
address = "127.0.0.1:8081"
)"));
  ASSERT_TRUE(result.config) << all_errors(result);
  const ServerConfig& server = result.config->server;
  EXPECT_TRUE(server.listen.empty()) << "no default 127.0.0.1:8080 beside the table";
  ASSERT_EQ(server.listeners.size(), 1u);
  EXPECT_EQ(server.listeners[0].address, "127.0.0.1:8081");
  EXPECT_FALSE(server.listeners[0].tls.has_value());
}

TEST(ConfigListeners, ListenEntriesComeFirstThenTheTables) {
  const auto result = load_text(with_minimal_rest(R"([server]
listen = ["127.0.0.1:8080", "127.0.0.1:8082"]
proxy_protocol = ["127.0.0.1:8082"]

[[server.listeners]]
address = "127.0.0.1:8443"
proxy_protocol = true
)"));
  ASSERT_TRUE(result.config) << all_errors(result);
  const auto& listeners = result.config->server.listeners;
  ASSERT_EQ(listeners.size(), 3u);
  EXPECT_EQ(listeners[0].address, "127.0.0.1:8080");
  EXPECT_FALSE(listeners[0].proxy_protocol);
  EXPECT_EQ(listeners[1].address, "127.0.0.1:8082");
  EXPECT_TRUE(listeners[1].proxy_protocol);
  EXPECT_EQ(listeners[2].address, "127.0.0.1:8443");
  EXPECT_TRUE(listeners[2].proxy_protocol);
}

TEST(ConfigListeners, NeitherListenNorTablesGivesTheDefaultListener) {
  const auto result = load_text(with_minimal_rest(""));
  ASSERT_TRUE(result.config) << all_errors(result);
  const auto& listeners = result.config->server.listeners;
  ASSERT_EQ(listeners.size(), 1u);
  EXPECT_EQ(listeners[0].address, "127.0.0.1:8080");
  EXPECT_FALSE(listeners[0].tls.has_value());
}

TEST(ConfigListeners, AnEmptyListWithoutListenIsNoListenerAtAll) {
  const auto result = load_text(with_minimal_rest("[server]\nlisteners = []\n"));
  EXPECT_FALSE(result.config);
  EXPECT_TRUE(find_error(result, "no listener")) << all_errors(result);
}

// docs/tls.md's configs load as written (the files they name are read only when a snapshot is
// built, so this checks the keys, not the certificates).
TEST(ConfigListeners, TheExamplesInTheTlsDocsLoad) {
  int checked = 0;
  for (const auto& block : testing::toml_blocks(APIGW_SOURCE_DIR "/docs/tls.md")) {
    if (block.text.find("[[server.listeners]]") == std::string::npos) continue;
    const auto result = load_text(block.text);
    EXPECT_TRUE(result.config) << "docs/tls.md:" << block.line << "\n" << all_errors(result);
    ++checked;
  }
  EXPECT_GE(checked, 2);
}

}  // namespace
}  // namespace apigw::config
