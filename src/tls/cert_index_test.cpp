// The SNI index: exact names, one-level wildcards (RFC 6125), the default, and what it refuses.
#include "tls/cert_index.h"

#include <gtest/gtest.h>

namespace apigw::tls {
namespace {

using Added = CertIndex::Added;

TEST(CertIndex, ExactNamesIgnoreCaseAndOneTrailingDot) {
  CertIndex index(9);
  ASSERT_EQ(index.add("api.example.com", 0), Added::added);
  EXPECT_EQ(index.find("api.example.com"), 0u);
  EXPECT_EQ(index.find("API.Example.COM"), 0u);
  EXPECT_EQ(index.find("api.example.com."), 0u);
  EXPECT_EQ(index.find("api.example.com.."), 9u);
  EXPECT_EQ(index.find("api.example.co"), 9u);
  EXPECT_EQ(index.find("xapi.example.com"), 9u);
}

TEST(CertIndex, WildcardCoversExactlyOneLabel) {
  CertIndex index(9);
  ASSERT_EQ(index.add("*.example.com", 1), Added::added);
  EXPECT_EQ(index.find("a.example.com"), 1u);
  EXPECT_EQ(index.find("A.EXAMPLE.com."), 1u);
  EXPECT_EQ(index.find("example.com"), 9u) << "the wildcard never covers its parent";
  EXPECT_EQ(index.find("a.b.example.com"), 9u) << "nor two labels";
  EXPECT_EQ(index.find(".example.com"), 9u) << "nor an empty label";
  EXPECT_EQ(index.find("a.example.org"), 9u);
}

TEST(CertIndex, ExactNameWinsOverWildcardWhicheverCameFirst) {
  CertIndex index(9);
  ASSERT_EQ(index.add("*.example.com", 1), Added::added);
  ASSERT_EQ(index.add("api.example.com", 0), Added::added);
  EXPECT_EQ(index.find("api.example.com"), 0u);
  EXPECT_EQ(index.find("www.example.com"), 1u);
}

TEST(CertIndex, AbsentOrUnknownNameGetsTheDefault) {
  CertIndex index(2);
  index.add("a.test", 0);
  EXPECT_EQ(index.find(""), 2u);
  EXPECT_EQ(index.find("."), 2u);
  EXPECT_EQ(index.find("b.test"), 2u);
  EXPECT_EQ(index.default_certificate(), 2u);
}

TEST(CertIndex, FirstCertificateKeepsADuplicateName) {
  CertIndex index(9);
  ASSERT_EQ(index.add("a.test", 0), Added::added);
  EXPECT_EQ(index.add("A.TEST.", 1), Added::duplicate);
  ASSERT_EQ(index.add("*.a.test", 2), Added::added);
  EXPECT_EQ(index.add("*.A.test", 3), Added::duplicate);
  EXPECT_EQ(index.find("a.test"), 0u);
  EXPECT_EQ(index.find("x.a.test"), 2u);
}

TEST(CertIndex, RefusesNamesThatCannotMatchAHost) {
  CertIndex index(9);
  for (const char* name : {"", ".", "*", "*.", "*.com", "a*.example.com", "*.*.example.com",
                           "a..example.com", ".example.com", "*.example..com"}) {
    EXPECT_EQ(index.add(name, 0), Added::invalid) << name;
  }
  EXPECT_EQ(index.find("com"), 9u);
  EXPECT_EQ(index.find("x.com"), 9u);
}

}  // namespace
}  // namespace apigw::tls
