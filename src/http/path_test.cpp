#include "http/path.h"

#include <gtest/gtest.h>

namespace apigw::http {
namespace {

struct Case {
  const char* raw;
  const char* normalized;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.raw; }

class NormalizePath : public testing::TestWithParam<Case> {};

TEST_P(NormalizePath, GivesTheCanonicalPath) {
  std::string out;
  ASSERT_TRUE(normalize_path(GetParam().raw, out)) << GetParam().raw;
  EXPECT_EQ(out, GetParam().normalized) << GetParam().raw;
}

INSTANTIATE_TEST_SUITE_P(
    Examples, NormalizePath,
    testing::Values(Case{"/", "/"}, Case{"/a//b/./c/../d", "/a/b/d"},
                    Case{"/api/../admin", "/admin"}, Case{"/%61dmin", "/admin"},
                    Case{"/a%2fb", "/a%2Fb"}, Case{"/a%2Fb", "/a%2Fb"}, Case{"/..", "/"},
                    Case{"/a/..", "/"}, Case{"/a/b/..", "/a/"}, Case{"/%2e%2e/admin", "/admin"},
                    Case{"/.%2E/admin", "/admin"}, Case{"/a/.", "/a/"}, Case{"/.", "/"},
                    Case{"//", "/"}, Case{"//a///b//", "/a/b/"}, Case{"/a/b/", "/a/b/"},
                    Case{"/a/../../../b", "/b"}, Case{"/a/./../b", "/b"},
                    Case{"/%7e%2D%5f", "/~-_"}, Case{"/%3a", "/%3A"}, Case{"/%25", "/%25"},
                    Case{"/...", "/..."}, Case{"/..a/.b", "/..a/.b"},
                    Case{"/caf\xc3\xa9", "/caf%C3%A9"}, Case{"/users/{id}", "/users/{id}"}));

TEST(NormalizePathRejects, InvalidInput) {
  const char* const invalid[] = {"",      "relative", "a/b",  "/%zz",   "/%4",    "/%",
                                 "/a%00", "/a b",     "/a\t", "/a\x01", "/a\x7f", "*"};
  for (const char* raw : invalid) {
    std::string out = "previous";
    EXPECT_FALSE(normalize_path(raw, out)) << raw;
  }
}

TEST(NormalizePathRejects, EncodedNulAnywhere) {
  std::string out;
  EXPECT_FALSE(normalize_path(std::string_view("/a\0b", 4), out));
  EXPECT_FALSE(normalize_path("/%00/x", out));
}

TEST(NormalizePathStorage, ClearsAndReusesOutput) {
  std::string out;
  out.reserve(64);
  out = "stale";
  const char* storage = out.data();
  ASSERT_TRUE(normalize_path("/a/b", out));
  EXPECT_EQ(out, "/a/b");
  EXPECT_EQ(out.data(), storage);
}

}  // namespace
}  // namespace apigw::http
