// Rebuilding contexts on reload: an entry whose files and settings are unchanged keeps its
// SSL_CTX (no key parsing), anything changed gets a new one.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tls/server_contexts.h"
#include "tls/test_handshake.h"

namespace apigw::tls {
namespace {

using testing::build;
using testing::certificate;
using testing::handshake;
using testing::ScratchDir;
using testing::TestPki;

struct Fixture {
  ScratchDir dir;
  test::TestCa ca{dir.path()};
  test::CertificateFiles one = ca.issue("one", {.common_name = "one", .dns_names = {"one.test"}});
  test::CertificateFiles two = ca.issue("two", {.common_name = "two", .dns_names = {"two.test"}});
  std::shared_ptr<TicketKeyRing> ring = TicketKeyRing::generate();

  config::ListenerTlsConfig config() const {
    config::ListenerTlsConfig config;
    config.certificates = {certificate(one, true), certificate(two)};
    return config;
  }
  std::shared_ptr<const ServerContexts> rebuild(const config::ListenerTlsConfig& config,
                                                const ServerContexts& previous) const {
    return build(config, {"h2", "http/1.1"}, ring, &previous);
  }
};

std::vector<SSL_CTX*> contexts_of(const ServerContexts& contexts) {
  std::vector<SSL_CTX*> pointers;
  for (const auto& info : contexts.certificates()) pointers.push_back(info.context);
  return pointers;
}

TEST(ServerContextsReuse, AnUnchangedEntryKeepsItsContext) {
  const Fixture fixture;
  const auto first = build(fixture.config(), {"h2", "http/1.1"}, fixture.ring);
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->certificates()[0].reused);
  const auto second = fixture.rebuild(fixture.config(), *first);
  ASSERT_TRUE(second);
  EXPECT_EQ(contexts_of(*second), contexts_of(*first));
  EXPECT_TRUE(second->certificates()[0].reused);
  EXPECT_TRUE(second->certificates()[1].reused);
  EXPECT_NE(second->default_context(), first->default_context())
      << "the starting context carries the new SNI table";
}

TEST(ServerContextsReuse, RewritingAFileWithTheSameBytesStillReuses) {
  const Fixture fixture;
  const auto first = build(fixture.config(), {"h2", "http/1.1"}, fixture.ring);
  ASSERT_TRUE(first);
  std::filesystem::copy_file(fixture.one.key_file, fixture.dir.file("copy.key"));
  std::filesystem::rename(fixture.dir.file("copy.key"), fixture.one.key_file);  // new inode, mtime
  const auto second = fixture.rebuild(fixture.config(), *first);
  ASSERT_TRUE(second);
  EXPECT_EQ(contexts_of(*second), contexts_of(*first));
}

TEST(ServerContextsReuse, AChangedCertificateFileGetsANewContextAndIsServed) {
  Fixture fixture;
  const auto first = build(fixture.config(), {"h2", "http/1.1"}, fixture.ring);
  ASSERT_TRUE(first);
  // Renewal: same paths, a new certificate (and key) for the same name.
  fixture.ca.issue("two", {.common_name = "two renewed", .dns_names = {"two.test"}});
  const auto second = fixture.rebuild(fixture.config(), *first);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->certificates()[0].context, first->certificates()[0].context);
  EXPECT_NE(second->certificates()[1].context, first->certificates()[1].context);
  EXPECT_FALSE(second->certificates()[1].reused);
  const auto result = handshake(second->default_context(), {.server_name = "two.test"});
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(result.server_certificate_name(), "two renewed");
  const auto old = handshake(first->default_context(), {.server_name = "two.test"});
  ASSERT_TRUE(old.ok);
  EXPECT_EQ(old.server_certificate_name(), "two") << "the old set is untouched";
}

TEST(ServerContextsReuse, ChangedSettingsRebuildEveryEntry) {
  const Fixture fixture;
  const auto first = build(fixture.config(), {"h2", "http/1.1"}, fixture.ring);
  ASSERT_TRUE(first);
  const auto differs = [&](const std::shared_ptr<const ServerContexts>& next) {
    ASSERT_TRUE(next);
    EXPECT_NE(next->certificates()[0].context, first->certificates()[0].context);
    EXPECT_NE(next->certificates()[1].context, first->certificates()[1].context);
  };
  config::ListenerTlsConfig ciphers = fixture.config();
  ciphers.ciphers = "ECDHE-ECDSA-AES256-GCM-SHA384";
  differs(fixture.rebuild(ciphers, *first));
  config::ListenerTlsConfig version = fixture.config();
  version.min_version = config::ListenerTlsConfig::Version::tls1_3;
  differs(fixture.rebuild(version, *first));
  config::ListenerTlsConfig client_auth = fixture.config();
  client_auth.client_auth = config::ListenerTlsConfig::ClientAuth::optional;
  client_auth.client_ca_file = fixture.ca.cert_file();
  differs(fixture.rebuild(client_auth, *first));
  differs(build(fixture.config(), {"http/1.1"}, fixture.ring, first.get()));
  differs(build(fixture.config(), {"h2", "http/1.1"}, TicketKeyRing::generate(), first.get()));
}

TEST(ServerContextsReuse, SettingsThatOnlyTheIndexUsesKeepTheContexts) {
  const Fixture fixture;
  const auto first = build(fixture.config(), {"h2", "http/1.1"}, fixture.ring);
  ASSERT_TRUE(first);
  config::ListenerTlsConfig renamed = fixture.config();
  renamed.certificates[0].is_default = false;
  renamed.certificates[1].is_default = true;
  renamed.certificates[1].names = {"other.test"};
  renamed.handshake_timeout = std::chrono::seconds(3);
  const auto second = fixture.rebuild(renamed, *first);
  ASSERT_TRUE(second);
  EXPECT_EQ(contexts_of(*second), contexts_of(*first));
  EXPECT_EQ(second->default_certificate(), 1u);
  EXPECT_EQ(second->select("other.test"), 1u);
  EXPECT_EQ(second->select("two.test"), 1u) << "the default now";
}

TEST(ServerContextsReuse, AReusedContextServesAfterThePreviousSetIsGone) {
  const Fixture fixture;
  auto first = build(fixture.config(), {"h2", "http/1.1"}, fixture.ring);
  ASSERT_TRUE(first);
  const auto second = fixture.rebuild(fixture.config(), *first);
  ASSERT_TRUE(second);
  first.reset();
  const auto result = handshake(second->default_context(), {.server_name = "two.test"});
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(result.server_certificate_name(), "two");
}

TEST(ServerContextsReuse, AnUnchangedTicketKeyFileKeepsContextsAndAChangedOneDoesNot) {
  const Fixture fixture;
  std::ofstream(fixture.dir.file("tickets.key"), std::ios::binary) << std::string(80, 'a');
  config::ListenerTlsConfig config = fixture.config();
  config.ticket_key_file = fixture.dir.file("tickets.key");
  const auto first = build(config, {}, nullptr);
  ASSERT_TRUE(first);
  const auto same = build(config, {}, nullptr, first.get());
  ASSERT_TRUE(same);
  EXPECT_EQ(contexts_of(*same), contexts_of(*first));
  EXPECT_EQ(same->ticket_keys(), first->ticket_keys());
  std::ofstream(fixture.dir.file("tickets.key"), std::ios::binary) << std::string(80, 'b');
  const auto changed = build(config, {}, nullptr, same.get());
  ASSERT_TRUE(changed);
  EXPECT_NE(changed->certificates()[0].context, first->certificates()[0].context);
  EXPECT_NE(changed->ticket_keys(), first->ticket_keys());
}

TEST(ServerContextsReuse, WithoutACallersRingTheInMemoryKeysCarryOver) {
  const Fixture fixture;
  const auto first = build(fixture.config(), {}, nullptr);
  ASSERT_TRUE(first);
  ASSERT_NE(first->ticket_keys(), nullptr);
  const auto second = build(fixture.config(), {}, nullptr, first.get());
  ASSERT_TRUE(second);
  EXPECT_EQ(second->ticket_keys(), first->ticket_keys());
  EXPECT_EQ(contexts_of(*second), contexts_of(*first));
  const auto full = handshake(first->default_context());
  ASSERT_TRUE(full.ok);
  const auto resumed = handshake(second->default_context(), {.session = full.session.get()});
  ASSERT_TRUE(resumed.ok);
  EXPECT_TRUE(resumed.facts().resumed) << "a reload does not cost clients their sessions";
}

TEST(ServerContextsReuse, AStaleOcspResponseIsReportedOnEveryBuildThatKeepsIt) {
  const Fixture fixture;
  config::ListenerTlsConfig config = fixture.config();
  config.certificates[1].ocsp_response = fixture.ca.ocsp_response(
      "two.ocsp", fixture.two, std::chrono::hours(-48), std::chrono::hours(-1));
  const auto first = build(config, {"h2", "http/1.1"}, fixture.ring);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->warnings().size(), 1u);
  const auto second = fixture.rebuild(config, *first);
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->certificates()[1].reused);
  ASSERT_EQ(second->warnings().size(), 1u);
  EXPECT_NE(second->warnings()[0].find("two.ocsp"), std::string::npos);
}

TEST(ServerContextsReuse, AFailedRebuildLeavesThePreviousSetServing) {
  Fixture fixture;
  const auto first = build(fixture.config(), {"h2", "http/1.1"}, fixture.ring);
  ASSERT_TRUE(first);
  std::ofstream(fixture.two.key_file) << "truncated";
  const ServerContextsResult failed =
      build_server_contexts(fixture.config(), {"h2", "http/1.1"}, fixture.ring, first.get());
  EXPECT_FALSE(failed);
  EXPECT_NE(failed.error.find(fixture.two.key_file), std::string::npos) << failed.error;
  const auto result = handshake(first->default_context(), {.server_name = "two.test"});
  ASSERT_TRUE(result.ok);
  EXPECT_EQ(result.server_certificate_name(), "two");
}

}  // namespace
}  // namespace apigw::tls
