#include "util/secret_hash.h"

#include <gtest/gtest.h>

namespace apigw::util {
namespace {

TEST(SecretHash, ApiKeyHashIsSha256Hex) {
  // echo -n abc | sha256sum
  EXPECT_EQ(hash_api_key("abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(is_api_key_hash(hash_api_key("anything")));
  EXPECT_FALSE(is_api_key_hash("sha256:xyz"));
}

TEST(SecretHash, PasswordsAreSaltedAndVerify) {
  const std::string first = hash_password("s3cret");
  const std::string second = hash_password("s3cret");
  EXPECT_NE(first, second) << "a fresh salt each time";
  EXPECT_TRUE(is_password_hash(first));
  EXPECT_TRUE(verify_password("s3cret", first));
  EXPECT_FALSE(verify_password("s3cret!", first));
  EXPECT_FALSE(verify_password("s3cret", "scrypt$1$1$1$zz$zz"));
}

// RFC 7914 §12's scrypt test vectors, as stored hashes: "scrypt$N$r$p$<salt hex>$<hash hex>".
// apigw keeps 32-byte hashes; scrypt's output is PBKDF2's, whose first 32 bytes do not depend on
// the length asked for, so they are the first 32 bytes of the RFC's 64-byte answers (checked
// with Python's hashlib.scrypt). The vector with an empty salt is left out (apigw refuses empty
// salts), and the one with N = 2^20 (1 GiB of memory) too.
TEST(SecretHash, VerifiesRfc7914TestVectors) {
  // P = "password", S = "NaCl", N = 1024, r = 8, p = 16.
  EXPECT_TRUE(verify_password("password",
                              "scrypt$1024$8$16$4e61436c$"
                              "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"));
  // P = "pleaseletmein", S = "SodiumChloride", N = 16384, r = 8, p = 1: apigw's own cost.
  const std::string sodium_chloride =
      "scrypt$16384$8$1$536f6469756d43686c6f72696465$"
      "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2";
  EXPECT_TRUE(is_password_hash(sodium_chloride));
  EXPECT_TRUE(verify_password("pleaseletmein", sodium_chloride));
  EXPECT_FALSE(verify_password("pleaseletmeim", sodium_chloride));
  // The same hash under other parameters, or with one bit of it flipped, does not verify.
  EXPECT_FALSE(verify_password("pleaseletmein",
                               "scrypt$16384$8$2$536f6469756d43686c6f72696465$"
                               "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"));
  EXPECT_FALSE(verify_password("pleaseletmein",
                               "scrypt$16384$8$1$536f6469756d43686c6f72696465$"
                               "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f3"));
}

TEST(SecretHash, NewPasswordHashesUseTheDocumentedCost) {
  const std::string hash = hash_password("s3cret");
  EXPECT_EQ(hash.rfind("scrypt$16384$8$1$", 0), 0u) << hash;
  // 16 bytes of salt and 32 of hash, in hex.
  EXPECT_EQ(hash.size(), std::string("scrypt$16384$8$1$").size() + 32 + 1 + 64) << hash;
}

TEST(SecretHash, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("token-a", "token-a"));
  EXPECT_FALSE(constant_time_equal("token-a", "token-b"));
  EXPECT_FALSE(constant_time_equal("token-a", "token-a-longer"));
}

}  // namespace
}  // namespace apigw::util
