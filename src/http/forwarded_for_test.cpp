// The X-Forwarded-For walk: who the client is for each arrangement of trusted and untrusted hops,
// and that nothing a client writes itself can make it someone else.
#include "http/forwarded_for.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace apigw::http {
namespace {

util::CidrSet trusted_set(std::initializer_list<std::string_view> texts) {
  std::vector<util::Cidr> blocks;
  for (std::string_view text : texts) blocks.push_back(*util::parse_cidr(text));
  return util::CidrSet(blocks);
}

// Proxies in 10.0.0.0/8 and 2001:db8::/32 are ours.
const util::CidrSet& ours() {
  static const util::CidrSet set = trusted_set({"10.0.0.0/8", "2001:db8::/32"});
  return set;
}

std::string client_of(std::string_view peer, std::vector<std::string_view> headers,
                      const util::CidrSet& trusted = ours()) {
  return std::string(forwarded_client(peer, headers, trusted).address);
}

TEST(ForwardedFor, UntrustedPeerIsTheClientAndTheHeaderIsIgnored) {
  EXPECT_EQ(client_of("203.0.113.9", {"198.51.100.1"}), "203.0.113.9");
  const ForwardedClient client =
      forwarded_client("203.0.113.9", std::vector<std::string_view>{"198.51.100.1"}, ours());
  EXPECT_EQ(client.hops, 0u);
  EXPECT_EQ(client.ip, *util::parse_ip("203.0.113.9"));
}

TEST(ForwardedFor, NoHeaderLeavesTheTrustedPeer) {
  EXPECT_EQ(client_of("10.0.0.1", {}), "10.0.0.1");
  EXPECT_EQ(client_of("10.0.0.1", {""}), "10.0.0.1");
  EXPECT_EQ(client_of("10.0.0.1", {" , ,"}), "10.0.0.1");
}

TEST(ForwardedFor, OneTrustedHopGivesTheAddressItSaw) {
  const ForwardedClient client =
      forwarded_client("10.0.0.1", std::vector<std::string_view>{"198.51.100.7"}, ours());
  EXPECT_EQ(client.address, "198.51.100.7");
  EXPECT_EQ(client.ip, *util::parse_ip("198.51.100.7"));
  EXPECT_EQ(client.hops, 1u);
}

TEST(ForwardedFor, WalksLeftThroughTrustedHops) {
  EXPECT_EQ(client_of("10.0.0.1", {"198.51.100.7, 10.0.0.3, 10.0.0.2"}), "198.51.100.7");
  EXPECT_EQ(
      forwarded_client("10.0.0.1",
                       std::vector<std::string_view>{"198.51.100.7, 10.0.0.3, 10.0.0.2"}, ours())
          .hops,
      3u);
}

TEST(ForwardedFor, StopsAtTheRightmostUntrustedAddress) {
  EXPECT_EQ(client_of("10.0.0.1", {"192.0.2.1, 198.51.100.7, 10.0.0.2"}), "198.51.100.7");
}

TEST(ForwardedFor, SpoofedEntriesLeftOfTheRealClientNeverWin) {
  // The client sent "X-Forwarded-For: 10.0.0.9, 127.0.0.1" itself, hoping to look internal; our
  // proxy appended the address it really came from.
  EXPECT_EQ(client_of("10.0.0.1", {"10.0.0.9, 127.0.0.1, 198.51.100.7"}), "198.51.100.7");
  // A client claiming a trusted address right before its own is still stopped at its own.
  EXPECT_EQ(client_of("10.0.0.1", {"10.1.1.1", "198.51.100.7"}), "198.51.100.7");
  // A client connecting directly with a forged header is the peer.
  EXPECT_EQ(client_of("198.51.100.7", {"10.0.0.2"}), "198.51.100.7");
}

TEST(ForwardedFor, AllTrustedGivesTheLeftmost) {
  EXPECT_EQ(client_of("10.0.0.1", {"10.0.0.4, 10.0.0.3"}), "10.0.0.4");
}

TEST(ForwardedFor, SeveralHeadersFormOneListInOrder) {
  EXPECT_EQ(client_of("10.0.0.1", {"192.0.2.1, 10.0.0.5", "10.0.0.4", "10.0.0.3, 10.0.0.2"}),
            "192.0.2.1");
  EXPECT_EQ(client_of("10.0.0.1", {"192.0.2.1", "198.51.100.7, 10.0.0.2"}), "198.51.100.7");
  EXPECT_EQ(client_of("10.0.0.1", {"192.0.2.1, 198.51.100.7", "", "10.0.0.2"}), "198.51.100.7");
}

TEST(ForwardedFor, MalformedElementStopsTheWalkAtTheLastTrustedHop) {
  EXPECT_EQ(client_of("10.0.0.1", {"198.51.100.7, unknown"}), "10.0.0.1");
  EXPECT_EQ(client_of("10.0.0.1", {"198.51.100.7, garbage, 10.0.0.2"}), "10.0.0.2");
  EXPECT_EQ(client_of("10.0.0.1", {"198.51.100.7, _hidden, 10.0.0.2"}), "10.0.0.2");
  EXPECT_EQ(client_of("10.0.0.1", {"198.51.100.7, 10.0.0.2 10.0.0.3"}), "10.0.0.1");
  EXPECT_EQ(client_of("10.0.0.1", {"198.51.100.7, \"10.0.0.2\""}), "10.0.0.1");
  const ForwardedClient client =
      forwarded_client("10.0.0.1", std::vector<std::string_view>{"x, 10.0.0.2"}, ours());
  EXPECT_EQ(client.address, "10.0.0.2");
  EXPECT_EQ(client.hops, 1u);
}

TEST(ForwardedFor, StripsPortsAndBrackets) {
  EXPECT_EQ(client_of("10.0.0.1", {"1.2.3.4:5678"}), "1.2.3.4");
  EXPECT_EQ(client_of("10.0.0.1", {"[2001:db9::1]:443"}), "2001:db9::1");
  EXPECT_EQ(client_of("10.0.0.1", {"[2001:db9::1]"}), "2001:db9::1");
  EXPECT_EQ(client_of("10.0.0.1", {"2001:db9::1"}), "2001:db9::1");
  EXPECT_EQ(client_of("10.0.0.1", {"192.0.2.1, [2001:db8::5]:8443, 10.0.0.2:1"}), "192.0.2.1");
}

TEST(ForwardedFor, StripForwardedPortRefusesMalformedForms) {
  EXPECT_EQ(strip_forwarded_port("1.2.3.4:80"), "1.2.3.4");
  EXPECT_EQ(strip_forwarded_port("[::1]:80"), "::1");
  EXPECT_EQ(strip_forwarded_port("[::1]"), "::1");
  EXPECT_EQ(strip_forwarded_port("::1"), "::1");
  for (std::string_view bad : {"1.2.3.4:", "1.2.3.4:x", "1.2.3.4:123456", "[::1", "[::1]x",
                               "[::1]:", "[::1]:80x", "[1.2.3.4]", "[1.2.3.4]:80", "[]"}) {
    EXPECT_EQ(strip_forwarded_port(bad), "") << bad;
  }
  EXPECT_EQ(client_of("10.0.0.1", {"198.51.100.7, [1.2.3.4]"}), "10.0.0.1");
}

TEST(ForwardedFor, ToleratesWhitespaceAroundElements) {
  EXPECT_EQ(client_of("10.0.0.1", {" 198.51.100.7 ,\t10.0.0.2\t"}), "198.51.100.7");
}

TEST(ForwardedFor, MappedAddressesAreMatchedAsIpv4) {
  EXPECT_EQ(client_of("::ffff:10.0.0.1", {"198.51.100.7"}), "198.51.100.7");
  EXPECT_EQ(client_of("10.0.0.1", {"198.51.100.7, ::ffff:10.0.0.2"}), "198.51.100.7");
  const ForwardedClient client =
      forwarded_client("10.0.0.1", std::vector<std::string_view>{"::ffff:198.51.100.7"}, ours());
  EXPECT_EQ(client.address, "::ffff:198.51.100.7") << "the text is kept as written";
  EXPECT_TRUE(client.ip.is_v4());
}

TEST(ForwardedFor, Ipv6ProxiesAreWalkedLikeIpv4Ones) {
  EXPECT_EQ(client_of("2001:db8::1", {"2001:db9::7, 2001:db8::2"}), "2001:db9::7");
  EXPECT_EQ(client_of("2001:db9::1", {"198.51.100.7"}), "2001:db9::1");
}

TEST(ForwardedFor, PeerThatIsNotAnAddressIsReturnedAsItIs) {
  const ForwardedClient client = forwarded_client(
      "unix:/run/apigw.sock", std::vector<std::string_view>{"198.51.100.7"}, ours());
  EXPECT_EQ(client.address, "unix:/run/apigw.sock");
  EXPECT_EQ(client.hops, 0u);
}

TEST(ForwardedFor, EmptyTrustedSetTrustsNobody) {
  EXPECT_EQ(client_of("10.0.0.1", {"198.51.100.7"}, util::CidrSet()), "10.0.0.1");
}

TEST(ForwardedFor, AddressPointsIntoTheHeaderValue) {
  const std::string header = "198.51.100.7:99, 10.0.0.2";
  const std::vector<std::string_view> headers = {header};
  const ForwardedClient client = forwarded_client("10.0.0.1", headers, ours());
  EXPECT_EQ(client.address.data(), header.data());
  EXPECT_EQ(client.address.size(), 12u);
}

}  // namespace
}  // namespace apigw::http
