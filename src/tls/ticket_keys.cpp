#include "tls/ticket_keys.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

#include "tls/certificate_files.h"

namespace apigw::tls {
namespace {

TicketKey random_key() {
  TicketKey key;
  // RAND_bytes fails only when the DRBG cannot seed, in which case no TLS works at all.
  if (RAND_bytes(key.name.data(), key.name.size()) != 1 ||
      RAND_bytes(key.hmac_key.data(), key.hmac_key.size()) != 1 ||
      RAND_bytes(key.aes_key.data(), key.aes_key.size()) != 1) {
    throw std::runtime_error("RAND_bytes failed: " + take_openssl_errors());
  }
  return key;
}

// HMAC-SHA256 keyed with `key`, on the MAC context OpenSSL hands the callback.
bool init_mac(EVP_MAC_CTX* mac, const TicketKey& key) {
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  return EVP_MAC_init(mac, key.hmac_key.data(), key.hmac_key.size(), params) == 1;
}

}  // namespace

TicketKeySet::~TicketKeySet() {
  for (TicketKey& key : keys) OPENSSL_cleanse(&key, sizeof key);
}

TicketKeyRing::TicketKeyRing(std::shared_ptr<const TicketKeySet> keys, bool rotates)
    : keys_(std::move(keys)),
      rotates_(rotates),
      cipher_(EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr)) {}

std::shared_ptr<TicketKeyRing> TicketKeyRing::generate() {
  auto set = std::make_shared<TicketKeySet>();
  set->keys.push_back(random_key());
  return std::make_shared<TicketKeyRing>(std::move(set), true);
}

TicketKeyRingResult TicketKeyRing::load_file(const std::string& path) {
  std::string bytes, error;
  if (!read_file(path, bytes, error)) return {nullptr, error};
  TicketKeyRingResult result = from_bytes(bytes, path);
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return result;
}

TicketKeyRingResult TicketKeyRing::from_bytes(const std::string& bytes, const std::string& path) {
  constexpr std::size_t size = TicketKey::kFileBytes;
  if (bytes.empty() || bytes.size() % size != 0) {
    return {nullptr, path +
                         ": a ticket key file holds one or more 80-byte keys (name 16, HMAC "
                         "32, AES 32 bytes, as `openssl rand 80` makes); this one has " +
                         std::to_string(bytes.size()) + " bytes"};
  }
  auto set = std::make_shared<TicketKeySet>();
  for (std::size_t offset = 0; offset < bytes.size(); offset += size) {
    TicketKey key;
    const auto* at = reinterpret_cast<const unsigned char*>(bytes.data()) + offset;
    std::copy_n(at, 16, key.name.begin());
    std::copy_n(at + 16, 32, key.hmac_key.begin());
    std::copy_n(at + 48, 32, key.aes_key.begin());
    set->keys.push_back(key);
    OPENSSL_cleanse(&key, sizeof key);
  }
  return {std::make_shared<TicketKeyRing>(std::move(set), false), ""};
}

void TicketKeyRing::rotate() {
  if (!rotates_) return;
  const std::shared_ptr<const TicketKeySet> old = keys();
  auto next = std::make_shared<TicketKeySet>();
  next->keys.push_back(random_key());
  if (!old->keys.empty()) next->keys.push_back(old->keys.front());
  std::atomic_store(&keys_, std::shared_ptr<const TicketKeySet>(std::move(next)));
}

int TicketKeyRing::on_ticket(SSL* ssl, unsigned char* name, unsigned char* iv,
                             EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int enc) const {
  const std::shared_ptr<const TicketKeySet> set = keys();
  if (cipher_ == nullptr || set->keys.empty()) return -1;
  if (enc == 1) {
    const TicketKey& key = set->keys.front();
    if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(cipher_.get())) != 1) return -1;
    if (EVP_EncryptInit_ex2(cipher, cipher_.get(), key.aes_key.data(), iv, nullptr) != 1 ||
        !init_mac(mac, key)) {
      return -1;
    }
    std::copy(key.name.begin(), key.name.end(), name);
    return 1;
  }
  const auto found = std::find_if(set->keys.begin(), set->keys.end(), [&](const TicketKey& key) {
    return std::equal(key.name.begin(), key.name.end(), name);
  });
  if (found == set->keys.end()) return 0;
  if (!init_mac(mac, *found) ||
      EVP_DecryptInit_ex2(cipher, cipher_.get(), found->aes_key.data(), iv, nullptr) != 1) {
    return -1;
  }
  const bool current = found == set->keys.begin();
  return current && SSL_version(ssl) != TLS1_3_VERSION ? 1 : 2;
}

}  // namespace apigw::tls
