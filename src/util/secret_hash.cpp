#include "util/secret_hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <charconv>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace apigw::util {
namespace {

// scrypt cost: N=2^14, r=8, p=1 (16 MiB, tens of ms): OWASP's floor for interactive logins.
constexpr std::uint64_t kScryptN = 1 << 14;
constexpr std::uint32_t kScryptR = 8;
constexpr std::uint32_t kScryptP = 1;
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;

std::string to_hex(const unsigned char* data, std::size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 0x0f]);
  }
  return out;
}

bool from_hex(std::string_view hex, std::vector<unsigned char>& out) {
  if (hex.size() % 2 != 0) return false;
  out.clear();
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(hex.data() + i, hex.data() + i + 2, value, 16);
    if (error != std::errc() || end != hex.data() + i + 2) return false;
    out.push_back(static_cast<unsigned char>(value));
  }
  return true;
}

bool is_hex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool scrypt(std::string_view password, const std::vector<unsigned char>& salt, std::uint64_t n,
            std::uint32_t r, std::uint32_t p, unsigned char* out, std::size_t out_size) {
  return EVP_PBE_scrypt(password.data(), password.size(), salt.data(), salt.size(), n, r, p,
                        /*maxmem=*/0x7fffffff, out, out_size) == 1;
}

// Splits "scrypt$N$r$p$salt$hash" into its fields.
bool split_scrypt(std::string_view text, std::uint64_t& n, std::uint32_t& r, std::uint32_t& p,
                  std::vector<unsigned char>& salt, std::vector<unsigned char>& hash) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find('$', start);
    parts.push_back(text.substr(start, end - start));
    if (end == text.npos) break;
    start = end + 1;
  }
  if (parts.size() != 6 || parts[0] != "scrypt") return false;
  const auto number = [](std::string_view digits, auto& value) {
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    return error == std::errc() && end == digits.data() + digits.size() && value > 0;
  };
  return number(parts[1], n) && number(parts[2], r) && number(parts[3], p) &&
         from_hex(parts[4], salt) && from_hex(parts[5], hash) && !salt.empty() &&
         hash.size() == kHashBytes && n <= (1u << 20) && r <= 32 && p <= 16;
}

}  // namespace

namespace {
// Fetched once: EVP_sha256() makes OpenSSL 3 look the algorithm up (under a lock) on every
// digest, and key_auth hashes a key per request on every worker.
const EVP_MD* sha256() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}
}  // namespace

std::string hash_api_key(std::string_view key) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(key.data(), key.size(), digest, &length, sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return "sha256:" + to_hex(digest, length);
}

std::string hash_password(std::string_view password) {
  std::vector<unsigned char> salt(kSaltBytes);
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  unsigned char hash[kHashBytes];
  if (!scrypt(password, salt, kScryptN, kScryptR, kScryptP, hash, sizeof hash)) {
    throw std::runtime_error("scrypt failed");
  }
  return "scrypt$" + std::to_string(kScryptN) + "$" + std::to_string(kScryptR) + "$" +
         std::to_string(kScryptP) + "$" + to_hex(salt.data(), salt.size()) + "$" +
         to_hex(hash, sizeof hash);
}

bool verify_password(std::string_view password, std::string_view stored) {
  std::uint64_t n = 0;
  std::uint32_t r = 0, p = 0;
  std::vector<unsigned char> salt, expected;
  if (!split_scrypt(stored, n, r, p, salt, expected)) return false;
  unsigned char actual[kHashBytes];
  if (!scrypt(password, salt, n, r, p, actual, sizeof actual)) return false;
  return CRYPTO_memcmp(actual, expected.data(), kHashBytes) == 0;
}

bool is_api_key_hash(std::string_view text) {
  return text.size() == 7 + 64 && text.starts_with("sha256:") && is_hex(text.substr(7));
}

bool is_password_hash(std::string_view text) {
  std::uint64_t n = 0;
  std::uint32_t r = 0, p = 0;
  std::vector<unsigned char> salt, hash;
  return split_scrypt(text, n, r, p, salt, hash);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Hashing both sides first makes the comparison length-independent as well.
  unsigned char da[EVP_MAX_MD_SIZE], db[EVP_MAX_MD_SIZE];
  unsigned int la = 0, lb = 0;
  EVP_Digest(a.data(), a.size(), da, &la, sha256(), nullptr);
  EVP_Digest(b.data(), b.size(), db, &lb, sha256(), nullptr);
  return CRYPTO_memcmp(da, db, la) == 0;
}

}  // namespace apigw::util
