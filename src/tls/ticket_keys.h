// The keys that encrypt TLS session tickets (stateless resumption: the server keeps no session
// cache, so nothing is shared across workers but these read-only keys). A ring holds the key
// that encrypts new tickets and the ones that still decrypt older tickets; a rotation replaces
// the whole set at once, published as an immutable shared_ptr that handshakes load atomically.
#pragma once

#include <openssl/ssl.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "tls/openssl_ptr.h"

namespace apigw::tls {

// One key. In a ticket key file each is 80 bytes in this order, which is NGINX's
// ssl_session_ticket_key layout for 80-byte files (ngx_ssl_session_ticket_keys: name = bytes
// 0-15, HMAC key = 16-47, AES key = 48-79), so one file can serve both.
struct TicketKey {
  static constexpr std::size_t kFileBytes = 80;
  std::array<unsigned char, 16> name{};      // sent in clear at the front of every ticket
  std::array<unsigned char, 32> hmac_key{};  // HMAC-SHA256 over the ticket
  std::array<unsigned char, 32> aes_key{};   // AES-256-CBC of the session state
};

// The keys in force: keys[0] encrypts new tickets; every key decrypts. Immutable once published;
// the key bytes are wiped when the last handshake holding the set lets go of it.
struct TicketKeySet {
  std::vector<TicketKey> keys;
  ~TicketKeySet();
};

class TicketKeyRing;

// A ring, or why it could not be loaded ("<file>: ...").
struct TicketKeyRingResult {
  std::shared_ptr<TicketKeyRing> ring;
  std::string error;
};

class TicketKeyRing {
 public:
  // Made in memory (RAND_bytes): one current key, no previous one yet. Rotated by the caller.
  static std::shared_ptr<TicketKeyRing> generate();
  // The keys of a ticket key file: one or more 80-byte keys back to back (`cat` NGINX key
  // files together, newest first). The first encrypts, all decrypt; never rotated here (the
  // cluster that shares the file rotates it).
  static TicketKeyRingResult load_file(const std::string& path);
  // The same from the file's bytes; `path` only names it in errors.
  static TicketKeyRingResult from_bytes(const std::string& bytes, const std::string& path);

  // Main thread (a timer): the current key becomes the previous one, a new random key becomes
  // current, and the key before is forgotten — a ticket stays valid for two rotation periods.
  // Handshakes in progress finish with the set they loaded. No-op for a file's keys.
  void rotate();

  // The keys in force now (an atomic load: workers call this once per ticket operation).
  std::shared_ptr<const TicketKeySet> keys() const { return std::atomic_load(&keys_); }
  bool rotates() const { return rotates_; }

  // The body of the SSL_CTX_set_tlsext_ticket_key_evp_cb callback for this ring: `enc` = 1
  // names, encrypts and MACs a new ticket with the current key; `enc` = 0 finds the ticket's key
  // by `name` and returns 1 (current key), 2 (an older key, or any key under TLS 1.3: the
  // client gets a fresh ticket, since TLS 1.3 tickets are meant to be used once) or 0 (unknown:
  // a full handshake), -1 on an internal error.
  int on_ticket(SSL* ssl, unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cipher,
                EVP_MAC_CTX* mac, int enc) const;

  TicketKeyRing(std::shared_ptr<const TicketKeySet> keys, bool rotates);

 private:
  std::shared_ptr<const TicketKeySet> keys_;  // std::atomic_load / std::atomic_store only
  bool rotates_;
  // Fetched once, not per handshake: an implicit fetch takes OpenSSL 3's provider lock.
  EvpCipherPtr cipher_;
};

}  // namespace apigw::tls
