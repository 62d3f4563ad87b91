// Addresses, blocks and sets: what parses, what is refused and why, and which addresses a set holds
// at the edges of its blocks, for both families and IPv4-mapped IPv6.
#include "util/cidr.h"

#include <gtest/gtest.h>

#include <random>

namespace apigw::util {
namespace {

IpAddress ip(std::string_view text) {
  const std::optional<IpAddress> parsed = parse_ip(text);
  EXPECT_TRUE(parsed) << text;
  return parsed.value_or(IpAddress{});
}

Cidr cidr(std::string_view text) {
  std::string error;
  const std::optional<Cidr> parsed = parse_cidr(text, &error);
  EXPECT_TRUE(parsed) << text << ": " << error;
  return parsed.value_or(Cidr{});
}

CidrSet set_of(std::initializer_list<std::string_view> texts) {
  std::vector<Cidr> blocks;
  for (std::string_view text : texts) blocks.push_back(cidr(text));
  return CidrSet(blocks);
}

std::string refusal(std::string_view text) {
  std::string error;
  EXPECT_FALSE(parse_cidr(text, &error)) << text;
  return error;
}

TEST(CidrParseIp, ReadsBothFamilies) {
  const IpAddress v4 = ip("10.1.2.3");
  EXPECT_TRUE(v4.is_v4());
  EXPECT_EQ(v4.bytes[0], 10);
  EXPECT_EQ(v4.bytes[3], 3);
  EXPECT_EQ(v4.bytes[4], 0);
  const IpAddress v6 = ip("2001:db8::1");
  EXPECT_FALSE(v6.is_v4());
  EXPECT_EQ(v6.bytes[0], 0x20);
  EXPECT_EQ(v6.bytes[1], 0x01);
  EXPECT_EQ(v6.bytes[15], 1);
}

TEST(CidrParseIp, MappedIpv6IsTheIpv4AddressItCarries) {
  EXPECT_EQ(ip("::ffff:10.1.2.3"), ip("10.1.2.3"));
  EXPECT_EQ(ip("::FFFF:a01:203"), ip("10.1.2.3"));
  EXPECT_EQ(format_ip(ip("::ffff:10.1.2.3")), "10.1.2.3");
  // Only ::ffff:0:0/96 maps; the deprecated IPv4-compatible form ::a.b.c.d stays IPv6.
  EXPECT_FALSE(ip("::10.1.2.3").is_v4());
}

TEST(CidrParseIp, RawBytesNormalizeTheSameWay) {
  const std::array<std::uint8_t, 16> mapped = {0, 0, 0,    0,    0,   0, 0, 0,
                                               0, 0, 0xff, 0xff, 192, 0, 2, 1};
  EXPECT_EQ(IpAddress::v6(mapped), ip("192.0.2.1"));
  const std::array<std::uint8_t, 4> raw4 = {192, 0, 2, 1};
  EXPECT_EQ(IpAddress::v4(raw4), ip("192.0.2.1"));
}

TEST(CidrParseIp, RefusesWhatIsNotABareAddress) {
  for (std::string_view text :
       {"", " 10.1.2.3", "10.1.2.3 ", "10.1.2", "10.1.2.3.4", "10.1.2.256", "010.1.2.3",
        "1.2.3.4:80", "[::1]", "::1%eth0", "2001:db8:::1", "localhost", "10.0.0.0/8",
        "1:2:3:4:5:6:7:8:9", "0000:0000:0000:0000:0000:ffff:255.255.255.255x"}) {
    EXPECT_FALSE(parse_ip(text)) << "'" << text << "'";
  }
}

TEST(CidrParseIp, FormatsCanonically) {
  EXPECT_EQ(format_ip(ip("2001:0db8:0000:0000:0000:0000:0000:0001")), "2001:db8::1");
  EXPECT_EQ(format_ip(ip("192.168.0.1")), "192.168.0.1");
  EXPECT_EQ(format_ip(ip("::")), "::");
}

TEST(CidrParse, ReadsBlocksAndBareAddresses) {
  EXPECT_EQ(cidr("10.0.0.0/8"), (Cidr{ip("10.0.0.0"), 8}));
  EXPECT_EQ(cidr("192.168.1.7"), (Cidr{ip("192.168.1.7"), 32}));
  EXPECT_EQ(cidr("2001:db8::/32"), (Cidr{ip("2001:db8::"), 32}));
  EXPECT_EQ(cidr("::1"), (Cidr{ip("::1"), 128}));
  EXPECT_EQ(cidr("0.0.0.0/0"), (Cidr{ip("0.0.0.0"), 0}));
  EXPECT_EQ(cidr("::/0"), (Cidr{ip("::"), 0}));
  EXPECT_EQ(format_cidr(cidr("2001:db8::/32")), "2001:db8::/32");
}

TEST(CidrParse, MappedBlocksAreIpv4Blocks) {
  EXPECT_EQ(cidr("::ffff:10.0.0.0/104"), cidr("10.0.0.0/8"));
  EXPECT_EQ(cidr("::ffff:10.1.2.3"), cidr("10.1.2.3/32"));
  EXPECT_EQ(cidr("::ffff:0:0/96"), cidr("0.0.0.0/0"));
  EXPECT_NE(refusal("::ffff:10.0.0.0/95").find("at least 96"), std::string::npos);
}

TEST(CidrParse, RefusesBadPrefixes) {
  for (std::string_view text :
       {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/08", "10.0.0.0/8/8",
        "10.0.0.0/ 8", "10.0.0.0/8 ", "2001:db8::/129", "2001:db8::/1000", "/8", "10.0.0.0/x"}) {
    EXPECT_FALSE(parse_cidr(text)) << text;
  }
  EXPECT_NE(refusal("10.0.0.0/33").find("0..32"), std::string::npos);
  EXPECT_NE(refusal("::/129").find("0..128"), std::string::npos);
  EXPECT_NE(refusal("bogus/8").find("not an IP address"), std::string::npos);
}

TEST(CidrParse, RefusesHostBitsAndSuggestsTheNetwork) {
  EXPECT_NE(refusal("10.1.2.3/8").find("did you mean '10.0.0.0/8'"), std::string::npos);
  EXPECT_NE(refusal("192.168.1.1/31").find("'192.168.1.0/31'"), std::string::npos);
  EXPECT_NE(refusal("2001:db8::1/32").find("'2001:db8::/32'"), std::string::npos);
  EXPECT_NE(refusal("0.0.0.1/0").find("'0.0.0.0/0'"), std::string::npos);
  EXPECT_TRUE(parse_cidr("192.168.1.1/32"));
  EXPECT_TRUE(parse_cidr("2001:db8::1/128"));
}

TEST(CidrContains, MatchesWithinThePrefixOnly) {
  const Cidr block = cidr("10.0.0.0/8");
  EXPECT_TRUE(block.contains(ip("10.0.0.0")));
  EXPECT_TRUE(block.contains(ip("10.255.255.255")));
  EXPECT_FALSE(block.contains(ip("11.0.0.0")));
  EXPECT_FALSE(block.contains(ip("9.255.255.255")));
  EXPECT_TRUE(block.contains(ip("::ffff:10.1.2.3")));
  EXPECT_FALSE(block.contains(ip("::a01:203"))) << "an IPv6 address with the same low bits";
  const Cidr v6 = cidr("2001:db8::/33");
  EXPECT_TRUE(v6.contains(ip("2001:db8:7fff:ffff::1")));
  EXPECT_FALSE(v6.contains(ip("2001:db8:8000::")));
  EXPECT_TRUE(cidr("0.0.0.0/0").contains(ip("255.255.255.255")));
  EXPECT_FALSE(cidr("0.0.0.0/0").contains(ip("::1")));
}

TEST(CidrSet, EmptySetHoldsNothing) {
  const CidrSet empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_FALSE(empty.contains(ip("10.0.0.1")));
  EXPECT_FALSE(empty.contains(ip("::1")));
}

TEST(CidrSet, AnswersForBothFamiliesAtTheEdges) {
  const CidrSet set =
      set_of({"10.0.0.0/8", "192.168.1.7", "172.16.0.0/12", "2001:db8::/32", "::1"});
  EXPECT_FALSE(set.empty());
  EXPECT_TRUE(set.contains(ip("10.0.0.0")));
  EXPECT_TRUE(set.contains(ip("10.255.255.255")));
  EXPECT_FALSE(set.contains(ip("11.0.0.0")));
  EXPECT_TRUE(set.contains(ip("192.168.1.7")));
  EXPECT_FALSE(set.contains(ip("192.168.1.6")));
  EXPECT_FALSE(set.contains(ip("192.168.1.8")));
  EXPECT_TRUE(set.contains(ip("172.31.255.255")));
  EXPECT_FALSE(set.contains(ip("172.32.0.0")));
  EXPECT_FALSE(set.contains(ip("0.0.0.0")));
  EXPECT_FALSE(set.contains(ip("255.255.255.255")));
  EXPECT_TRUE(set.contains(ip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(set.contains(ip("2001:db9::")));
  EXPECT_TRUE(set.contains(ip("::1")));
  EXPECT_FALSE(set.contains(ip("::2")));
  EXPECT_FALSE(set.contains(ip("::")));
}

TEST(CidrSet, MappedAddressesMatchIpv4Blocks) {
  const CidrSet set = set_of({"10.0.0.0/8"});
  EXPECT_TRUE(set.contains("::ffff:10.1.2.3"));
  EXPECT_FALSE(set.contains("::ffff:11.1.2.3"));
  EXPECT_TRUE(set_of({"::ffff:10.0.0.0/104"}).contains("10.9.9.9"));
}

TEST(CidrSet, FamiliesDoNotLeakIntoEachOther) {
  EXPECT_FALSE(set_of({"::/0"}).contains("10.0.0.1"));
  EXPECT_FALSE(set_of({"0.0.0.0/0"}).contains("2001:db8::1"));
  EXPECT_TRUE(set_of({"::/0"}).contains("2001:db8::1"));
  EXPECT_TRUE(set_of({"0.0.0.0/0"}).contains("1.2.3.4"));
}

TEST(CidrSet, TextThatIsNotAnAddressIsNotContained) {
  const CidrSet set = set_of({"0.0.0.0/0", "::/0"});
  EXPECT_FALSE(set.contains(""));
  EXPECT_FALSE(set.contains("unknown"));
  EXPECT_FALSE(set.contains("1.2.3.4:80"));
  EXPECT_TRUE(set.contains("1.2.3.4"));
}

TEST(CidrSet, OverlappingAndAdjacentBlocksMerge) {
  const CidrSet set = set_of({"10.0.0.0/24", "10.0.1.0/24", "10.0.0.128/25", "10.0.3.0/24"});
  EXPECT_TRUE(set.contains("10.0.0.200"));
  EXPECT_TRUE(set.contains("10.0.1.255"));
  EXPECT_FALSE(set.contains("10.0.2.0"));
  EXPECT_TRUE(set.contains("10.0.3.0"));
  const CidrSet top =
      set_of({"255.255.255.255", "255.255.255.254", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"});
  EXPECT_TRUE(top.contains("255.255.255.255"));
  EXPECT_TRUE(top.contains("255.255.255.254"));
  EXPECT_FALSE(top.contains("255.255.255.253"));
  EXPECT_TRUE(top.contains("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
}

// The set agrees with checking every block one by one, over random blocks and addresses.
TEST(CidrSet, AgreesWithALinearScan) {
  std::mt19937_64 random(42);
  for (int round = 0; round < 20; ++round) {
    std::vector<Cidr> blocks;
    for (int i = 0; i < 30; ++i) {
      std::array<std::uint8_t, 16> raw{};
      for (auto& byte : raw) byte = static_cast<std::uint8_t>(random() % 4);  // dense: overlaps
      const bool v4 = random() % 2 == 0;
      IpAddress address =
          v4 ? IpAddress::v4(std::span<const std::uint8_t, 4>(raw.data(), 4)) : IpAddress::v6(raw);
      const unsigned bits = address.is_v4() ? 32 : 128;
      const unsigned prefix = static_cast<unsigned>(random() % (bits + 1));
      Cidr masked{address, static_cast<std::uint8_t>(bits)};
      for (unsigned bit = prefix; bit < bits; ++bit) {
        masked.network.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
      }
      masked.prefix = static_cast<std::uint8_t>(prefix);
      ASSERT_EQ(parse_cidr(format_cidr(masked)), masked) << format_cidr(masked);
      blocks.push_back(masked);
    }
    const CidrSet set(blocks);
    for (int i = 0; i < 500; ++i) {
      std::array<std::uint8_t, 16> raw{};
      for (auto& byte : raw) byte = static_cast<std::uint8_t>(random() % 4);
      const IpAddress address = random() % 2 == 0
                                    ? IpAddress::v4(std::span<const std::uint8_t, 4>(raw.data(), 4))
                                    : IpAddress::v6(raw);
      bool expected = false;
      for (const Cidr& block : blocks) expected = expected || block.contains(address);
      ASSERT_EQ(set.contains(address), expected) << format_ip(address);
    }
  }
}

}  // namespace
}  // namespace apigw::util
