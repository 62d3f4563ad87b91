#include "util/secret_hash.h"

#include <gtest/gtest.h>

#include "util/uuid.h"

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

TEST(SecretHash, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("token-a", "token-a"));
  EXPECT_FALSE(constant_time_equal("token-a", "token-b"));
  EXPECT_FALSE(constant_time_equal("token-a", "token-a-longer"));
}

TEST(Uuid, RandomAndNameBased) {
  const std::string id = random_uuid();
  EXPECT_TRUE(is_uuid(id));
  EXPECT_EQ(id[14], '4');
  EXPECT_NE(random_uuid(), id);
  EXPECT_EQ(name_uuid("routes/r"), name_uuid("routes/r"));
  EXPECT_NE(name_uuid("routes/r"), name_uuid("routes/s"));
  EXPECT_EQ(name_uuid("routes/r")[14], '5');
  EXPECT_FALSE(is_uuid("6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5"));
  EXPECT_FALSE(is_uuid("6f1c2d3e_4b5a-4c6d-8e7f-0a1b2c3d4e5f"));
}

}  // namespace
}  // namespace apigw::util
