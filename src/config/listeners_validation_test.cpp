// Every check of [[server.listeners]] and its TLS settings, each with the place it points at.
#include <gtest/gtest.h>

#include "config/test_support.h"

namespace apigw::config {
namespace {

using testing::all_errors;
using testing::find_error;
using testing::load_text;
using testing::with_minimal_rest;

// A TLS listener on line 1 whose [server.listeners.tls] table starts on line 3 with `tls_keys`
// and whose only certificate table starts on the line after them, with `certificate_keys`.
std::string tls_listener(std::string_view tls_keys, std::string_view certificate_keys = "") {
  return "[[server.listeners]]\naddress = \"127.0.0.1:8443\"\n[server.listeners.tls]\n" +
         std::string(tls_keys) +
         "\n[[server.listeners.tls.certificates]]\ncert = \"/c.pem\"\nkey = \"/c.key\"\n" +
         std::string(certificate_keys) + "\n";
}

struct Refused {
  std::string text;  // the listener part
  std::string message;
  std::uint32_t line, column;
};

void expect_refused(const std::vector<Refused>& cases) {
  for (const Refused& refused : cases) {
    SCOPED_TRACE(refused.text);
    const auto result = load_text(with_minimal_rest(refused.text));
    EXPECT_FALSE(result.config);
    const ConfigError* error = find_error(result, refused.message);
    ASSERT_NE(error, nullptr) << all_errors(result);
    EXPECT_EQ(error->position.file, "test.toml");
    EXPECT_EQ(error->position.line, refused.line) << error->to_string();
    EXPECT_EQ(error->position.column, refused.column) << error->to_string();
  }
}

TEST(ConfigListenersValidation, UnknownKeysAndWrongTypesPointAtTheKey) {
  expect_refused({
      {"[[server.listeners]]\nadress = \"127.0.0.1:8443\"\n",
       "unknown key 'adress' in [[server.listeners]]; did you mean 'address'?", 2, 1},
      {"[[server.listeners]]\nproxy_protocol = true\n",
       "missing required key 'address' in [[server.listeners]]", 1, 1},
      {"[[server.listeners]]\naddress = \"127.0.0.1:8443\"\nproxy_protocol = \"yes\"\n",
       "'proxy_protocol' must be true or false", 3, 18},
      {tls_listener("min_verison = \"1.3\""),
       "unknown key 'min_verison' in [server.listeners.tls]; did you mean 'min_version'?", 4, 1},
      {tls_listener("min_version = 1.2"),
       "'min_version' must be a string: \"1.2\" or \"1.3\" (with quotes)", 4, 15},
      {tls_listener("min_version = \"1.1\""), "'min_version' must be one of 1.2, 1.3, not '1.1'", 4,
       15},
      {tls_listener("client_auth = \"required\""),
       "'client_auth' must be one of none, optional, require, not 'required'", 4, 15},
      {tls_listener("forward_client_cert = \"cert\""),
       "'forward_client_cert' must be one of none, subject, not 'cert'", 4, 23},
      {tls_listener("handshake_timeout = 10"), "'handshake_timeout' needs a unit", 4, 21},
      {tls_listener("", "defualt = true"),
       "unknown key 'defualt' in [[server.listeners.tls.certificates]]; did you mean 'default'?", 8,
       1},
      {tls_listener("", "names = \"a.test\"\nocsp_reponse = \"/x\""),
       "unknown key 'ocsp_reponse' in [[server.listeners.tls.certificates]]; did you mean "
       "'ocsp_response'?",
       9, 1},
      {"[[server.listeners]]\naddress = \"127.0.0.1:8443\"\ntls = { certificates = \"/c.pem\" "
       "}\n",
       "'certificates' must be an array of tables", 3, 24},
      {"[[server.listeners]]\naddress = \"127.0.0.1:8443\"\n"
       "tls = { certificates = [{ cert = \"/c.pem\" }] }\n",
       "missing required key 'key' in [[server.listeners.tls.certificates]]", 3, 25},
  });
}

TEST(ConfigListenersValidation, AddressesMustParseAndBeUnique) {
  expect_refused({
      {"[[server.listeners]]\naddress = \"localhost:8443\"\n",
       "invalid listen address 'localhost:8443'", 2, 11},
      {"[server]\nlisten = [\"127.0.0.1:8443\"]\n[[server.listeners]]\naddress = "
       "\"127.0.0.1:8443\"\n",
       "listen address '127.0.0.1:8443' is given twice (first at test.toml:2:11)", 4, 11},
      {"[[server.listeners]]\naddress = \"[::1]:8443\"\n[[server.listeners]]\naddress = "
       "\"[0::1]:8443\"\n",
       "listen address '[0::1]:8443' is given twice (first at test.toml:2:11)", 4, 11},
      {"[server]\nlisten = [\"127.0.0.1:8080\"]\nproxy_protocol = [\"127.0.0.1:8443\"]\n"
       "[[server.listeners]]\naddress = \"127.0.0.1:8443\"\n",
       "'proxy_protocol' names '127.0.0.1:8443', which is not one of 'listen' (a "
       "[[server.listeners]] table sets proxy_protocol = true itself)",
       3, 19},
      {"[server]\nlisten = []\n", "'listen' needs at least one address", 2, 10},
  });
}

TEST(ConfigListenersValidation, CertificatesAndTheirNames) {
  const std::string two_certificates =
      "[[server.listeners]]\naddress = \"127.0.0.1:8443\"\n[server.listeners.tls]\n"
      "[[server.listeners.tls.certificates]]\ncert = \"/a.pem\"\nkey = \"/a.key\"\n"
      "names = [\"a.example.com\", \"*.example.com\"]\ndefault = true\n"
      "[[server.listeners.tls.certificates]]\ncert = \"/b.pem\"\nkey = \"/b.key\"\n";
  expect_refused({
      {"[[server.listeners]]\naddress = \"127.0.0.1:8443\"\n[server.listeners.tls]\n"
       "min_version = \"1.2\"\n",
       "a [server.listeners.tls] table needs at least one [[server.listeners.tls.certificates]]", 3,
       1},
      {two_certificates + "default = true\n",
       "only one certificate may be the default (the first is at test.toml:4:1)", 12, 11},
      {two_certificates + "names = [\"B.test\", \"*.EXAMPLE.com\"]\n",
       "server name '*.EXAMPLE.com' is named twice on this listener (first at test.toml:7:27)", 12,
       20},
      {two_certificates + "names = [\"b.test\", \"b.test\"]\n",
       "server name 'b.test' is named twice on this listener (first at test.toml:12:10)", 12, 20},
      {tls_listener("", "names = [\"10.0.0.1\"]"),
       "invalid server name '10.0.0.1': an IP address, which clients never send as a server name",
       8, 10},
      {tls_listener("", "names = [\"*.com\"]"),
       "invalid server name '*.com': a wildcard needs at least two labels", 8, 10},
      {tls_listener("", "names = [\"api.*.example.com\"]"),
       "invalid server name 'api.*.example.com': '*' may only be the whole first label", 8, 10},
      {tls_listener("", "names = [\"a*.example.com\"]"),
       "invalid server name 'a*.example.com': '*' may only be the whole first label", 8, 10},
      {tls_listener("", "names = [\"bad_name.test\"]"),
       "invalid server name 'bad_name.test': not a DNS name", 8, 10},
      {tls_listener("", "names = [\"\"]"), "invalid server name '': not a DNS name", 8, 10},
  });
}

TEST(ConfigListenersValidation, ClientAuthSettingsBelongTogether) {
  expect_refused({
      {tls_listener("client_auth = \"require\""),
       "client_auth = \"require\" needs 'client_ca_file'", 4, 15},
      {tls_listener("client_auth = \"optional\""),
       "client_auth = \"optional\" needs 'client_ca_file'", 4, 15},
      {tls_listener("client_ca_file = \"/ca.pem\""),
       "'client_ca_file' has no effect while client_auth = \"none\"", 4, 18},
      {tls_listener("forward_client_cert = \"subject\""),
       "forward_client_cert = \"subject\" needs client_auth = \"optional\" or \"require\"", 4, 23},
      {tls_listener("client_auth = \"require\"\nclient_ca_file = \"/ca.pem\"\n"
                    "client_verify_depth = 0"),
       "'client_verify_depth' must be between 1 and 10", 6, 23},
      {tls_listener("client_auth = \"require\"\nclient_ca_file = \"/ca.pem\"\n"
                    "client_verify_depth = 11"),
       "'client_verify_depth' must be between 1 and 10", 6, 23},
  });
}

TEST(ConfigListenersValidation, TicketsDurationsAndCipherLists) {
  expect_refused({
      {tls_listener("session_tickets = false\nticket_key_file = \"/t.key\""),
       "'ticket_key_file' has no effect while session_tickets = false", 5, 19},
      {tls_listener("ticket_key_rotation = \"0s\""),
       "'ticket_key_rotation' must be greater than zero", 4, 23},
      {tls_listener("handshake_timeout = \"0ms\""), "'handshake_timeout' must be greater than zero",
       4, 21},
      {tls_listener("ciphersuites = \"\""), "'ciphersuites' must name at least one TLS 1.3 suite",
       4, 16},
      {tls_listener("ciphers = \"\""),
       "'ciphers' must name at least one TLS 1.2 cipher while min_version = \"1.2\"", 4, 11},
      {tls_listener("groups = \"\""), "'groups' must name at least one group", 4, 10},
  });
}

TEST(ConfigListenersValidation, ValidSettingsPass) {
  for (const std::string& text : {
           tls_listener("min_version = \"1.3\"\nciphers = \"\""),
           tls_listener("client_auth = \"optional\"\nclient_ca_file = \"/ca.pem\"\n"
                        "forward_client_cert = \"subject\"\nclient_verify_depth = 10"),
           tls_listener("session_tickets = false"),
           tls_listener("", "names = [\"*.a.example\", \"a.example\", \"xn--bcher-kva.example\"]"),
       }) {
    const auto result = load_text(with_minimal_rest(text));
    EXPECT_TRUE(result.config) << text << "\n" << all_errors(result);
  }
}

}  // namespace
}  // namespace apigw::config
