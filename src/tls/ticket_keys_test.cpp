// Session tickets: resumption with in-memory keys across rotations, keys shared through a
// ticket key file (NGINX's 80-byte layout), and tickets off.
#include "tls/ticket_keys.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tls/test_handshake.h"

namespace apigw::tls {
namespace {

using testing::build;
using testing::certificate;
using testing::ClientOptions;
using testing::handshake;
using testing::ScratchDir;
using testing::TestPki;

config::ListenerTlsConfig listener() {
  config::ListenerTlsConfig config;
  config.certificates = {certificate(TestPki::get().api)};
  return config;
}

// The key name a ticket starts with (OpenSSL's ticket layout: name, IV, data, MAC).
std::string ticket_key_name(const SSL_SESSION* session) {
  const unsigned char* ticket = nullptr;
  std::size_t size = 0;
  SSL_SESSION_get0_ticket(session, &ticket, &size);
  return size >= 16 ? std::string(reinterpret_cast<const char*>(ticket), 16) : "";
}

std::string name_of(const TicketKey& key) {
  return std::string(reinterpret_cast<const char*>(key.name.data()), key.name.size());
}

// A full handshake, then one that offers its ticket; returns the second.
testing::Handshake resume(SSL_CTX* first, SSL_CTX* second, int version = TLS1_3_VERSION) {
  const auto full = handshake(first, {.max_version = version});
  EXPECT_TRUE(full.ok);
  EXPECT_FALSE(full.facts().resumed);
  EXPECT_EQ(SSL_SESSION_has_ticket(full.session.get()), 1);
  return handshake(second, {.max_version = version, .session = full.session.get()});
}

TEST(TicketKeys, ASecondConnectionResumesWithTheFirstOnesTicket) {
  const auto contexts = build(listener(), {}, TicketKeyRing::generate());
  ASSERT_TRUE(contexts);
  for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    SCOPED_TRACE(version);
    const auto resumed = resume(contexts->default_context(), contexts->default_context(), version);
    ASSERT_TRUE(resumed.ok);
    EXPECT_TRUE(resumed.facts().resumed);
    EXPECT_EQ(SSL_session_reused(resumed.client.get()), 1);
  }
}

TEST(TicketKeys, Tls13ResumptionsChainOnFreshTickets) {
  const auto contexts = build(listener(), {}, TicketKeyRing::generate());
  ASSERT_TRUE(contexts);
  auto previous = handshake(contexts->default_context());
  ASSERT_TRUE(previous.ok);
  for (int i = 0; i < 3; ++i) {
    auto next = handshake(contexts->default_context(), {.session = previous.session.get()});
    ASSERT_TRUE(next.ok);
    EXPECT_TRUE(next.facts().resumed) << "resumption " << i;
    previous = std::move(next);
  }
}

TEST(TicketKeys, ATicketSurvivesOneRotationAndIsRenewedButNotTwo) {
  const auto ring = TicketKeyRing::generate();
  const auto contexts = build(listener(), {}, ring);
  ASSERT_TRUE(contexts);
  SSL_CTX* context = contexts->default_context();
  for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    SCOPED_TRACE(version);
    const auto first = handshake(context, {.max_version = version});
    ASSERT_TRUE(first.ok);
    EXPECT_EQ(ticket_key_name(first.session.get()), name_of(ring->keys()->keys[0]));

    ring->rotate();
    ASSERT_EQ(ring->keys()->keys.size(), 2u);
    const auto after_one =
        handshake(context, {.max_version = version, .session = first.session.get()});
    ASSERT_TRUE(after_one.ok);
    EXPECT_TRUE(after_one.facts().resumed);
    // The client was given a ticket under the new current key.
    EXPECT_EQ(ticket_key_name(after_one.session.get()), name_of(ring->keys()->keys[0]));

    ring->rotate();
    const auto after_two =
        handshake(context, {.max_version = version, .session = first.session.get()});
    ASSERT_TRUE(after_two.ok) << "an unknown ticket means a full handshake, not a failure";
    EXPECT_FALSE(after_two.facts().resumed);
  }
}

TEST(TicketKeys, RotationKeepsExactlyTheCurrentAndThePreviousKey) {
  const auto ring = TicketKeyRing::generate();
  const std::string first = name_of(ring->keys()->keys[0]);
  const auto before = ring->keys();
  ring->rotate();
  ASSERT_EQ(ring->keys()->keys.size(), 2u);
  EXPECT_EQ(name_of(ring->keys()->keys[1]), first);
  EXPECT_NE(name_of(ring->keys()->keys[0]), first);
  ring->rotate();
  ASSERT_EQ(ring->keys()->keys.size(), 2u);
  EXPECT_NE(name_of(ring->keys()->keys[1]), first);
  EXPECT_EQ(before->keys.size(), 1u) << "a published set never changes";
  EXPECT_TRUE(ring->rotates());
}

TEST(TicketKeys, AKeyFileUsesNginxsLayoutNameThenHmacThenAes) {
  std::string bytes;
  for (int i = 0; i < 80; ++i) bytes += static_cast<char>(i);
  const TicketKeyRingResult loaded = TicketKeyRing::from_bytes(bytes + bytes, "keys.bin");
  ASSERT_TRUE(loaded.ring) << loaded.error;
  const auto keys = loaded.ring->keys();
  ASSERT_EQ(keys->keys.size(), 2u);
  const TicketKey& key = keys->keys[0];
  EXPECT_EQ(key.name.front(), 0);
  EXPECT_EQ(key.name.back(), 15);
  EXPECT_EQ(key.hmac_key.front(), 16);
  EXPECT_EQ(key.hmac_key.back(), 47);
  EXPECT_EQ(key.aes_key.front(), 48);
  EXPECT_EQ(key.aes_key.back(), 79);
  EXPECT_FALSE(loaded.ring->rotates());
  loaded.ring->rotate();
  EXPECT_EQ(loaded.ring->keys(), keys) << "a file's keys are rotated by whoever writes the file";
  EXPECT_FALSE(TicketKeyRing::from_bytes(bytes + "x", "keys.bin").ring);
  EXPECT_FALSE(TicketKeyRing::from_bytes("", "keys.bin").ring);
}

TEST(TicketKeys, LoadFileReadsTheKeysOrNamesTheFile) {
  const ScratchDir dir;
  std::ofstream(dir.file("two.key"), std::ios::binary)
      << std::string(80, 'a') + std::string(80, 'b');
  const TicketKeyRingResult loaded = TicketKeyRing::load_file(dir.file("two.key"));
  ASSERT_TRUE(loaded.ring) << loaded.error;
  ASSERT_EQ(loaded.ring->keys()->keys.size(), 2u);
  EXPECT_EQ(name_of(loaded.ring->keys()->keys[1]), std::string(16, 'b'));
  const TicketKeyRingResult missing = TicketKeyRing::load_file(dir.file("missing.key"));
  EXPECT_FALSE(missing.ring);
  EXPECT_NE(missing.error.find(dir.file("missing.key") + ": cannot read"), std::string::npos)
      << missing.error;
}

TEST(TicketKeys, ContextsBuiltSeparatelyFromOneKeyFileResumeEachOthersTickets) {
  const ScratchDir dir;
  std::string key(80, '\0');
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<char>(i * 7 + 3);
  std::ofstream(dir.file("tickets.key"), std::ios::binary) << key;
  config::ListenerTlsConfig config = listener();
  config.ticket_key_file = dir.file("tickets.key");
  // Two gateways (or two listeners) with no state in common but the file.
  const auto node_a = build(config, {}, TicketKeyRing::generate());
  const auto node_b = build(config, {}, TicketKeyRing::generate());
  ASSERT_TRUE(node_a && node_b);
  for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    const auto resumed = resume(node_a->default_context(), node_b->default_context(), version);
    ASSERT_TRUE(resumed.ok);
    EXPECT_TRUE(resumed.facts().resumed) << version;
  }
  // Without the file each node has keys of its own.
  const auto node_c = build(listener(), {}, TicketKeyRing::generate());
  const auto not_resumed = resume(node_a->default_context(), node_c->default_context());
  ASSERT_TRUE(not_resumed.ok);
  EXPECT_FALSE(not_resumed.facts().resumed);
}

TEST(TicketKeys, TheFirstKeyOfAFileEncryptsAndTheOthersStillDecrypt) {
  const ScratchDir dir;
  const std::string old_key(80, 'o'), new_key(80, 'n');
  std::ofstream(dir.file("old.key"), std::ios::binary) << old_key;
  std::ofstream(dir.file("both.key"), std::ios::binary) << new_key + old_key;
  config::ListenerTlsConfig before = listener();
  before.ticket_key_file = dir.file("old.key");
  config::ListenerTlsConfig after = listener();
  after.ticket_key_file = dir.file("both.key");
  const auto old_node = build(before, {}, nullptr);
  const auto new_node = build(after, {}, nullptr);
  ASSERT_TRUE(old_node && new_node);
  const auto resumed =
      resume(old_node->default_context(), new_node->default_context(), TLS1_2_VERSION);
  ASSERT_TRUE(resumed.ok);
  EXPECT_TRUE(resumed.facts().resumed);
  EXPECT_EQ(ticket_key_name(resumed.session.get()), std::string(16, 'n'));
}

TEST(TicketKeys, TicketsOffMeansNoTicketAndNoResumption) {
  config::ListenerTlsConfig config = listener();
  config.session_tickets = false;
  const auto contexts = build(config, {}, TicketKeyRing::generate());
  ASSERT_TRUE(contexts);
  EXPECT_EQ(contexts->ticket_keys(), nullptr);
  for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    const auto full = handshake(contexts->default_context(), {.max_version = version});
    ASSERT_TRUE(full.ok);
    EXPECT_EQ(SSL_SESSION_has_ticket(full.session.get()), 0) << version;
    const auto again = handshake(contexts->default_context(),
                                 {.max_version = version, .session = full.session.get()});
    ASSERT_TRUE(again.ok);
    EXPECT_FALSE(again.facts().resumed) << version;
  }
}

}  // namespace
}  // namespace apigw::tls
