#include "util/uuid.h"

#include <gtest/gtest.h>

namespace apigw::util {
namespace {

// RFC 9562's (and RFC 4122's) name space for DNS names: 6ba7b810-9dad-11d1-80b4-00c04fd430c8.
constexpr UuidBytes kDnsNamespace = {0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
                                     0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};
constexpr UuidBytes kUrlNamespace = {0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
                                     0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};

TEST(Uuid, NameBasedMatchesKnownVersion5Values) {
  // RFC 9562 Appendix A.4; the same as Python's uuid.uuid5(uuid.NAMESPACE_DNS, "www.example.com").
  EXPECT_EQ(name_uuid(kDnsNamespace, "www.example.com"), "2ed6657d-e927-568b-95e1-2665a8aea6a2");
  // uuid.uuid5(uuid.NAMESPACE_URL, "http://www.example.com/")
  EXPECT_EQ(name_uuid(kUrlNamespace, "http://www.example.com/"),
            "fcde3c85-2270-590f-9e7c-ee003d65e0e2");
}

TEST(Uuid, ConfigFileIdsNeverChange) {
  // The ids that entities of a config file get (collection "/" name) in apigw's namespace
  // 6a1f3c52-9e0b-4d27-b183-5ce4702a96d8, from Python's uuid.uuid5. Stores and exports hold
  // these ids: a change here would make every file-defined entity a new one.
  EXPECT_EQ(name_uuid("routes/r"), "84f3ed74-048b-5edc-a7b2-c33a6cec35f2");
  EXPECT_EQ(name_uuid("upstreams/backend"), "557b7d09-41ea-5591-a4ed-9fd95ec5aac5");
  EXPECT_EQ(name_uuid(""), "cce2a880-c580-5fd3-baad-95d6fa007abc");
}

TEST(Uuid, RandomIdsAreVersion4AndDistinct) {
  const std::string id = random_uuid();
  EXPECT_TRUE(is_uuid(id));
  EXPECT_EQ(id[14], '4');
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << "RFC 9562 variant: " << id;
  EXPECT_NE(random_uuid(), id);
}

TEST(Uuid, ShapeCheckRefusesWrongLengthsAndSeparators) {
  EXPECT_TRUE(is_uuid("6F1C2D3E-4B5A-4C6D-8E7F-0A1B2C3D4E5F"));
  EXPECT_FALSE(is_uuid("6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5"));
  EXPECT_FALSE(is_uuid("6f1c2d3e_4b5a-4c6d-8e7f-0a1b2c3d4e5f"));
  EXPECT_FALSE(is_uuid("6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5g"));
}

}  // namespace
}  // namespace apigw::util
