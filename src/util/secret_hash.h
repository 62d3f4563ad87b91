// One-way hashes of credential secrets, so that neither the store, an export nor the admin API
// ever holds an API key or a password.
//   API keys:  "sha256:<64 hex>". Keys are long random strings, so a fast unsalted hash is safe and
//              lets the key-auth lookup find a key by its hash.
//   Passwords: "scrypt$<N>$<r>$<p>$<salt hex>$<hash hex>" (OpenSSL's scrypt, a fresh salt each).
#pragma once

#include <string>
#include <string_view>

namespace apigw::util {

std::string hash_api_key(std::string_view key);
std::string hash_password(std::string_view password);
// True when `password` matches a hash made by hash_password (constant time in the comparison).
bool verify_password(std::string_view password, std::string_view hash);
// Whether `text` has the shape of one of the hashes above.
bool is_api_key_hash(std::string_view text);
bool is_password_hash(std::string_view text);
// Compares without an early exit, so the time taken does not tell how much of a secret matched.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace apigw::util
