// An upstream's `tls` table: every key and its default, the inline form, each refusal with the
// place it points at, and the way through the admin API (JSON -> entity -> config) and back out
// (TOML export).
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "config/entity_document.h"
#include "config/test_support.h"

namespace apigw::config {
namespace {

using testing::all_errors;
using testing::find_error;
using testing::load_text;

// Lines 1-11 are the rest of the config; `upstream_keys` start on line 12, inside the upstream.
std::string with_upstream(std::string_view upstream_keys) {
  return R"([server]
listen = ["127.0.0.1:8080"]
[admin]
listen = "127.0.0.1:9901"
[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "backend"
[[upstreams]]
name = "backend"
targets = [{ address = "127.0.0.1:9001" }]
)" + std::string(upstream_keys) +
         "\n";
}

// Readable files for the keys that must name one (their contents are the snapshot's concern).
class Files {
 public:
  Files() {
    char pattern[] = "/tmp/apigw-upstream-tls-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    for (const char* name : {"ca.pem", "client.pem", "client.key"}) {
      std::ofstream(dir_ + "/" + name) << "not parsed here\n";
    }
  }
  ~Files() { std::filesystem::remove_all(dir_); }
  std::string path(std::string_view name) const { return dir_ + "/" + std::string(name); }

 private:
  std::string dir_;
};

TEST(UpstreamTlsConfig, EveryKeyAndTheDefaults) {
  Files files;
  const auto result = load_text(
      with_upstream("[upstreams.tls]\nca_file = \"" + files.path("ca.pem") +
                    "\"\nserver_name = \"api.internal\"\n"
                    "client_cert = \"" +
                    files.path("client.pem") + "\"\nclient_key = \"" + files.path("client.key") +
                    "\"\nmin_version = \"1.3\"\nverify = true\n"));
  ASSERT_TRUE(result.config) << all_errors(result);
  const auto& tls = result.config->upstreams[0].tls;
  ASSERT_TRUE(tls.has_value());
  EXPECT_TRUE(tls->verify);
  EXPECT_EQ(tls->ca_file, files.path("ca.pem"));
  EXPECT_EQ(tls->server_name, "api.internal");
  EXPECT_EQ(tls->client_cert, files.path("client.pem"));
  EXPECT_EQ(tls->client_key, files.path("client.key"));
  EXPECT_EQ(tls->min_version, ListenerTlsConfig::Version::tls1_3);
  EXPECT_EQ(tls->position.line, 12u);

  // An empty table turns TLS on with every default: verified against the system store, the
  // target's host as the name, no client certificate, TLS 1.2 and up.
  const auto defaults = load_text(with_upstream("tls = {}"));
  ASSERT_TRUE(defaults.config) << all_errors(defaults);
  const auto& plain_defaults = defaults.config->upstreams[0].tls;
  ASSERT_TRUE(plain_defaults.has_value());
  EXPECT_TRUE(plain_defaults->verify);
  EXPECT_EQ(plain_defaults->ca_file, "");
  EXPECT_EQ(plain_defaults->server_name, "");
  EXPECT_EQ(plain_defaults->client_cert, "");
  EXPECT_EQ(plain_defaults->min_version, ListenerTlsConfig::Version::tls1_2);

  const auto plain = load_text(with_upstream(""));
  ASSERT_TRUE(plain.config) << all_errors(plain);
  EXPECT_FALSE(plain.config->upstreams[0].tls.has_value()) << "no tls key: plain HTTP";
}

TEST(UpstreamTlsConfig, InlineTableIsTheSameAsATable) {
  Files files;
  const auto result = load_text(
      with_upstream("tls = { ca_file = \"" + files.path("ca.pem") + "\", server_name = \"a.b\" }"));
  ASSERT_TRUE(result.config) << all_errors(result);
  ASSERT_TRUE(result.config->upstreams[0].tls.has_value());
  EXPECT_EQ(result.config->upstreams[0].tls->ca_file, files.path("ca.pem"));
  EXPECT_EQ(result.config->upstreams[0].tls->server_name, "a.b");
}

TEST(UpstreamTlsConfig, VerifyFalseIsAccepted) {
  // The warning is the snapshot's (tls/upstream_context.h): the config itself is fine.
  const auto result = load_text(with_upstream("tls = { verify = false }"));
  ASSERT_TRUE(result.config) << all_errors(result);
  EXPECT_FALSE(result.config->upstreams[0].tls->verify);
}

struct Refused {
  std::string keys;  // from line 12
  std::string message;
  std::uint32_t line, column;
};

void expect_refused(const std::vector<Refused>& cases) {
  for (const Refused& refused : cases) {
    SCOPED_TRACE(refused.keys);
    const auto result = load_text(with_upstream(refused.keys));
    EXPECT_FALSE(result.config);
    const ConfigError* error = find_error(result, refused.message);
    ASSERT_NE(error, nullptr) << all_errors(result);
    EXPECT_EQ(error->position.line, refused.line) << error->to_string();
    EXPECT_EQ(error->position.column, refused.column) << error->to_string();
  }
}

TEST(UpstreamTlsConfig, RefusalsPointAtTheKey) {
  Files files;
  const std::string cert = files.path("client.pem");
  expect_refused({
      {"[upstreams.tls]\nverfy = false",
       "unknown key 'verfy' in [upstreams.tls]; did you mean 'verify'?", 13, 1},
      {"[upstreams.tls]\nverify = \"no\"", "'verify'", 13, 10},
      {"[upstreams.tls]\nmin_version = 1.2",
       "'min_version' must be a string: \"1.2\" or \"1.3\" (with quotes)", 13, 15},
      {"[upstreams.tls]\nmin_version = \"1.1\"", "'min_version' must be one of 1.2, 1.3", 13, 15},
      // At the one that is written.
      {"[upstreams.tls]\nclient_cert = \"" + cert + "\"",
       "'client_cert' and 'client_key' go together", 13, 15},
      {"[upstreams.tls]\nclient_key = \"" + cert + "\"",
       "'client_cert' and 'client_key' go together", 13, 14},
      {"[upstreams.tls]\nca_file = \"/nonexistent/ca.pem\"",
       "upstream 'backend': cannot read ca_file '/nonexistent/ca.pem' (No such file or "
       "directory)",
       13, 11},
      {"[upstreams.tls]\nclient_cert = \"" + cert + "\"\nclient_key = \"/nonexistent/k.pem\"",
       "cannot read client_key '/nonexistent/k.pem'", 14, 14},
      {"[upstreams.tls]\nserver_name = \"not a name\"", "invalid 'server_name' 'not a name'", 13,
       15},
      {"[upstreams.tls]\nverify = false\nca_file = \"" + files.path("ca.pem") + "\"",
       "'ca_file' has no effect while verify = false", 14, 11},
      {"tls = \"on\"", "'tls'", 12, 7},
  });
}

TEST(UpstreamTlsConfig, AnIpAddressIsAServerName) {
  const auto result = load_text(with_upstream("tls = { server_name = \"10.0.0.5\" }"));
  ASSERT_TRUE(result.config) << all_errors(result);
}

// Written through the admin API, an upstream's tls goes JSON -> entity -> the file's converter,
// and an export writes it back as TOML that imports to the same entity.
TEST(UpstreamTlsConfig, TravelsThroughTheAdminApiAndTheExport) {
  Files files;
  namespace json = boost::json;
  const std::string document = R"({"name":"secure","targets":[{"address":"127.0.0.1:8443"}],)"
                               R"("tls":{"ca_file":")" +
                               files.path("ca.pem") +
                               R"(","server_name":"api.internal","verify":true,)"
                               R"("min_version":"1.3"}})";
  Entity upstream;
  std::vector<FieldError> field_errors;
  ASSERT_TRUE(entity_from_json(EntityKind::upstream, json::parse(document).as_object(), upstream,
                               field_errors));
  Entity route;
  ASSERT_TRUE(entity_from_json(
      EntityKind::route,
      json::parse(R"({"name":"r","match":{"path_prefix":"/"},"upstream":"secure"})").as_object(),
      route, field_errors));
  testing::FakeFilterCatalog filters;
  const std::vector<Entity> entities = {upstream, route};
  const auto loaded =
      load_config_text(testing::kMinimalConfig, "base.toml", {}, filters, &entities);
  ASSERT_TRUE(loaded.config) << all_errors(loaded);
  const auto& tls = loaded.config->upstreams[0].tls;
  ASSERT_TRUE(tls.has_value());
  EXPECT_EQ(tls->ca_file, files.path("ca.pem"));
  EXPECT_EQ(tls->server_name, "api.internal");
  EXPECT_EQ(tls->min_version, ListenerTlsConfig::Version::tls1_3);

  const std::string exported = export_toml(entities);
  EXPECT_NE(exported.find("[upstreams.tls]"), std::string::npos) << exported;
  std::vector<Entity> parsed;
  std::vector<ConfigError> errors;
  ASSERT_TRUE(parse_entities_document(exported, true, parsed, errors)) << exported;
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_TRUE(parsed[0].same_content(upstream)) << exported;

  // A bad value written through the API is refused with the entity and field it is in.
  Entity bad;
  ASSERT_TRUE(
      entity_from_json(EntityKind::upstream,
                       json::parse(R"({"name":"secure","targets":[{"address":"127.0.0.1:8443"}],)"
                                   R"("tls":{"client_cert":"x"}})")
                           .as_object(),
                       bad, field_errors));
  const std::vector<Entity> refused = {bad, route};
  const auto result = load_config_text(testing::kMinimalConfig, "base.toml", {}, filters, &refused);
  EXPECT_FALSE(result.config);
  ASSERT_FALSE(result.errors.empty());
  EXPECT_NE(all_errors(result).find("upstreams/secure: tls"), std::string::npos)
      << all_errors(result);
}

// docs/tls.md's upstream examples load as written, with their /etc/apigw/tls/ files standing in
// as readable files of a scratch directory.
TEST(UpstreamTlsConfig, TheUpstreamExamplesInTheTlsDocsLoad) {
  Files files;
  for (const char* name : {"internal-ca.pem", "apigw-client.pem", "apigw-client.key"}) {
    std::ofstream(files.path(name)) << "not parsed here\n";
  }
  int checked = 0;
  for (auto block : testing::toml_blocks(APIGW_SOURCE_DIR "/docs/tls.md")) {
    std::string& text = block.text;
    if (text.find("[upstreams.tls]") == std::string::npos) continue;
    for (std::size_t at = text.find("/etc/apigw/tls/"); at != std::string::npos;
         at = text.find("/etc/apigw/tls/")) {
      text.replace(at, std::string_view("/etc/apigw/tls/").size(), files.path(""));
    }
    const auto result = load_text(std::string(R"([server]
listen = ["127.0.0.1:8080"]
[admin]
listen = "127.0.0.1:9901"
)") + text);
    EXPECT_TRUE(result.config) << "docs/tls.md:" << block.line << "\n" << all_errors(result);
    ++checked;
  }
  EXPECT_GE(checked, 1);
}

}  // namespace
}  // namespace apigw::config
