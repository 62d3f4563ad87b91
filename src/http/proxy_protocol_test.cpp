// PROXY protocol v1 and v2: whole headers, every split of them (need_more until the last byte),
// and each kind of refusal, early where the bytes already prove it.
#include "http/proxy_protocol.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace apigw::http {
namespace {

using Status = ProxyParseStatus;

const std::string kSignature("\r\n\r\n\0\r\nQUIT\n", 12);

// A v2 header: signature, version/command, family, then `block` with its length.
std::string v2(std::uint8_t version_command, std::uint8_t family, const std::string& block) {
  std::string out = kSignature;
  out.push_back(static_cast<char>(version_command));
  out.push_back(static_cast<char>(family));
  out.push_back(static_cast<char>(block.size() >> 8));
  out.push_back(static_cast<char>(block.size() & 0xff));
  return out + block;
}

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

// 192.0.2.1:56324 -> 198.51.100.2:443
const std::string kTcp4Block = bytes({192, 0, 2, 1, 198, 51, 100, 2, 0xdc, 0x04, 0x01, 0xbb});
// 2001:db8::1:443 -> 2001:db8::2:8443
const std::string kTcp6Block =
    bytes({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,  //
           0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,  //
           0x01, 0xbb, 0x20, 0xfb});

// Every proper prefix of a valid header must ask for more; the whole must be done.
void expect_needs_more_until_complete(const std::string& header) {
  for (std::size_t n = 0; n < header.size(); ++n) {
    const ProxyParseResult partial = parse_proxy_protocol(std::string_view(header).substr(0, n));
    ASSERT_EQ(partial.status, Status::need_more) << n << " bytes: " << partial.error;
  }
  EXPECT_EQ(parse_proxy_protocol(header).status, Status::done);
}

std::string_view refusal(std::string_view data) {
  const ProxyParseResult result = parse_proxy_protocol(data);
  EXPECT_EQ(result.status, Status::error) << "'" << data << "'";
  return result.error;
}

TEST(ProxyProtocolV1, ReadsTcp4) {
  const std::string header = "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n";
  const ProxyParseResult result = parse_proxy_protocol(header + "GET / HTTP/1.1\r\n");
  ASSERT_EQ(result.status, Status::done) << result.error;
  EXPECT_EQ(result.header_bytes, header.size());
  EXPECT_FALSE(result.header.local);
  EXPECT_EQ(result.header.source_text, "192.0.2.1");
  EXPECT_EQ(result.header.source, *util::parse_ip("192.0.2.1"));
  EXPECT_EQ(result.header.source_port, 56324);
  EXPECT_EQ(result.header.destination_text, "198.51.100.2");
  EXPECT_EQ(result.header.destination_port, 443);
}

TEST(ProxyProtocolV1, ReadsTcp6AndCanonicalizesTheText) {
  const ProxyParseResult result =
      parse_proxy_protocol("PROXY TCP6 2001:DB8:0::1 2001:db8::2 65535 0\r\n");
  ASSERT_EQ(result.status, Status::done) << result.error;
  EXPECT_EQ(result.header.source_text, "2001:db8::1");
  EXPECT_EQ(result.header.destination_text, "2001:db8::2");
  EXPECT_EQ(result.header.source_port, 65535);
  EXPECT_EQ(result.header.destination_port, 0);
}

TEST(ProxyProtocolV1, MappedAddressUnderTcp6IsIpv4) {
  const ProxyParseResult result =
      parse_proxy_protocol("PROXY TCP6 ::ffff:192.0.2.1 ::ffff:198.51.100.2 1 2\r\n");
  ASSERT_EQ(result.status, Status::done) << result.error;
  EXPECT_TRUE(result.header.source.is_v4());
  EXPECT_EQ(result.header.source_text, "192.0.2.1");
}

TEST(ProxyProtocolV1, UnknownIsLocalAndIgnoresTheRestOfTheLine) {
  for (std::string header : {"PROXY UNKNOWN\r\n", "PROXY UNKNOWN 1.2.3.4 whatever 1 2\r\n"}) {
    const ProxyParseResult result = parse_proxy_protocol(header + "rest");
    ASSERT_EQ(result.status, Status::done) << header;
    EXPECT_TRUE(result.header.local);
    EXPECT_EQ(result.header_bytes, header.size());
    EXPECT_TRUE(result.header.source_text.empty());
  }
}

TEST(ProxyProtocolV1, NeedsMoreUntilTheLineEnds) {
  expect_needs_more_until_complete("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n");
  expect_needs_more_until_complete("PROXY UNKNOWN\r\n");
}

TEST(ProxyProtocolV1, LongestValidLinesAreAccepted) {
  // The spec's worst case: two full-length IPv6 addresses and two 5-digit ports; 107 bytes with
  // UNKNOWN, 104 with TCP6.
  const std::string address = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  for (std::string protocol : {"UNKNOWN", "TCP6"}) {
    const std::string line =
        "PROXY " + protocol + " " + address + " " + address + " 65535 65535\r\n";
    EXPECT_LE(line.size(), kMaxProxyV1Bytes);
    const ProxyParseResult result = parse_proxy_protocol(line);
    EXPECT_EQ(result.status, Status::done) << protocol << ": " << result.error;
    EXPECT_EQ(result.header_bytes, line.size());
  }
}

TEST(ProxyProtocolV1, RefusesALineOver107Bytes) {
  const std::string line = "PROXY UNKNOWN " + std::string(93, 'x');  // 107 bytes, no CRLF yet
  ASSERT_EQ(line.size(), kMaxProxyV1Bytes);
  EXPECT_EQ(parse_proxy_protocol(line.substr(0, 105)).status, Status::need_more);
  EXPECT_EQ(refusal(line.substr(0, 106)), "PROXY v1 line longer than 107 bytes")
      << "the CRLF can no longer fit";
  EXPECT_EQ(refusal(line), "PROXY v1 line longer than 107 bytes");
  EXPECT_EQ(parse_proxy_protocol(line.substr(0, 105) + "\r\n").status, Status::done)
      << "exactly 107 bytes with the CRLF";
  EXPECT_EQ(refusal(line.substr(0, 106) + "\r\n"), "PROXY v1 line longer than 107 bytes");
}

TEST(ProxyProtocolV1, RefusesMalformedLines) {
  for (std::string_view line : {
           "PROXY TCP4 192.0.2.1 198.51.100.2 56324\r\n",        // a port missing
           "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443 9\r\n",  // a field too many
           "PROXY TCP4  192.0.2.1 198.51.100.2 56324 443\r\n",   // two spaces
           "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443 \r\n",   // trailing space
           "PROXY TCP4 192.0.2.256 198.51.100.2 56324 443\r\n",  // bad address
           "PROXY TCP4 192.0.2.1 198.51.100.2 65536 443\r\n",    // port out of range
           "PROXY TCP4 192.0.2.1 198.51.100.2 -1 443\r\n",       // sign
           "PROXY TCP4 192.0.2.1 198.51.100.2 123456 443\r\n",   // six digits
           "PROXY TCP4 2001:db8::1 2001:db8::2 1 2\r\n",         // family mismatch
           "PROXY TCP6 192.0.2.1 198.51.100.2 1 2\r\n",          // family mismatch
           "PROXY TCP4 ::ffff:192.0.2.1 198.51.100.2 1 2\r\n",   // IPv6 text under TCP4
           "PROXY UDP4 192.0.2.1 198.51.100.2 1 2\r\n",          // not TCP
           "PROXY tcp4 192.0.2.1 198.51.100.2 1 2\r\n",          // case matters
           "PROXY UNKNOWNX\r\n",                                 // not UNKNOWN
           "PROXY \r\n",                                         // nothing
           "PROXY TCP4 192.0.2.1 198.51.100.2 1 2\r\r\n",        // CR CR LF
           "PROXY TCP4 192.0.2.1 198.51.100.2 1 2\n",            // bare LF
       }) {
    EXPECT_EQ(parse_proxy_protocol(line).status, Status::error) << line;
  }
  EXPECT_EQ(refusal("PROXY TCP4 192.0.2.1 198.51.100.2 1 2\rX"), "PROXY v1 line not ended by CRLF");
  EXPECT_EQ(refusal("PROXY UDP4 a b 1 2\r\n"), "unknown PROXY v1 protocol");
  EXPECT_EQ(refusal("PROXY TCP4 192.0.2.1 198.51.100.2 1 x\r\n"), "bad port in a PROXY v1 line");
}

TEST(ProxyProtocolV1, RefusesControlAndNonAsciiBytesEarly) {
  EXPECT_EQ(refusal(std::string_view("PROXY TCP4 1\0", 13)), "invalid byte in a PROXY v1 line");
  EXPECT_EQ(refusal("PROXY TCP4 1\x80"), "invalid byte in a PROXY v1 line");
  EXPECT_EQ(refusal("PROXY TCP4 1\n"), "invalid byte in a PROXY v1 line");
}

TEST(ProxyProtocol, RefusesAnythingThatIsNotAHeader) {
  EXPECT_EQ(parse_proxy_protocol("").status, Status::need_more);
  EXPECT_EQ(refusal("GET / HTTP/1.1\r\n\r\n"), "not a PROXY protocol header");
  EXPECT_EQ(refusal("\x16\x03\x01"), "not a PROXY protocol header") << "a TLS ClientHello";
  EXPECT_EQ(refusal("PRI * HTTP/2.0"), "not a PROXY protocol header");
  EXPECT_EQ(refusal("proxy TCP4"), "not a PROXY protocol header");
  EXPECT_EQ(refusal("PROXYTCP4"), "not a PROXY protocol header");
  EXPECT_EQ(refusal("\r\n\r\n\r\n"), "not a PROXY protocol header") << "v2 signature diverges";
  EXPECT_EQ(parse_proxy_protocol("PROX").status, Status::need_more);
  EXPECT_EQ(parse_proxy_protocol("\r\n\r\n").status, Status::need_more);
}

TEST(ProxyProtocolV2, ReadsTcp4AndSkipsTlvs) {
  const std::string tlvs = bytes({0x04, 0x00, 0x00}) +                     // NOOP, empty
                           bytes({0x05, 0x00, 0x04, 'a', 'b', 'c', 'd'});  // UNIQUE_ID
  const std::string header = v2(0x21, 0x11, kTcp4Block + tlvs);
  const ProxyParseResult result = parse_proxy_protocol(header + "GET");
  ASSERT_EQ(result.status, Status::done) << result.error;
  EXPECT_EQ(result.header_bytes, header.size());
  EXPECT_FALSE(result.header.local);
  EXPECT_EQ(result.header.source_text, "192.0.2.1");
  EXPECT_EQ(result.header.source_port, 56324);
  EXPECT_EQ(result.header.destination_text, "198.51.100.2");
  EXPECT_EQ(result.header.destination_port, 443);
}

TEST(ProxyProtocolV2, ReadsTcp6) {
  const ProxyParseResult result = parse_proxy_protocol(v2(0x21, 0x21, kTcp6Block));
  ASSERT_EQ(result.status, Status::done) << result.error;
  EXPECT_EQ(result.header.source_text, "2001:db8::1");
  EXPECT_EQ(result.header.source_port, 443);
  EXPECT_EQ(result.header.destination_text, "2001:db8::2");
  EXPECT_EQ(result.header.destination_port, 8443);
  EXPECT_EQ(result.header_bytes, 16u + 36u);
}

TEST(ProxyProtocolV2, NeedsMoreUntilTheLastByte) {
  expect_needs_more_until_complete(v2(0x21, 0x11, kTcp4Block + bytes({0x04, 0x00, 0x01, 0})));
  expect_needs_more_until_complete(v2(0x21, 0x21, kTcp6Block));
  expect_needs_more_until_complete(v2(0x20, 0x00, ""));
}

TEST(ProxyProtocolV2, LocalCommandUsesTheRealPeerWhateverTheBlock) {
  for (const std::string& header :
       {v2(0x20, 0x00, ""), v2(0x20, 0x11, kTcp4Block), v2(0x20, 0x31, "x"), v2(0x20, 0x11, "")}) {
    const ProxyParseResult result = parse_proxy_protocol(header);
    ASSERT_EQ(result.status, Status::done) << result.error;
    EXPECT_TRUE(result.header.local);
    EXPECT_EQ(result.header_bytes, header.size());
  }
}

TEST(ProxyProtocolV2, UnspecifiedFamilyIsLocal) {
  const ProxyParseResult result = parse_proxy_protocol(v2(0x21, 0x00, "abc"));
  ASSERT_EQ(result.status, Status::done) << result.error;
  EXPECT_TRUE(result.header.local);
  EXPECT_EQ(result.header_bytes, 19u);
}

TEST(ProxyProtocolV2, RefusesOtherVersionsCommandsAndFamilies) {
  EXPECT_EQ(refusal(v2(0x11, 0x11, kTcp4Block)), "unsupported PROXY protocol version");
  EXPECT_EQ(refusal(v2(0x31, 0x11, kTcp4Block)), "unsupported PROXY protocol version");
  EXPECT_EQ(refusal(v2(0x22, 0x11, kTcp4Block)), "unknown PROXY v2 command");
  EXPECT_EQ(refusal(v2(0x21, 0x12, kTcp4Block)), "unsupported PROXY v2 address family or transport")
      << "UDP";
  EXPECT_EQ(refusal(v2(0x21, 0x31, std::string(216, 'x'))),
            "unsupported PROXY v2 address family or transport")
      << "AF_UNIX";
  EXPECT_EQ(refusal(v2(0x21, 0x10, kTcp4Block)),
            "unsupported PROXY v2 address family or transport");
  EXPECT_EQ(refusal(v2(0x21, 0x41, kTcp4Block)),
            "unsupported PROXY v2 address family or transport");
}

TEST(ProxyProtocolV2, RefusesShortBlocksAndBadTlvs) {
  EXPECT_EQ(refusal(v2(0x21, 0x11, kTcp4Block.substr(0, 11))), "PROXY v2 address block too short");
  EXPECT_EQ(refusal(v2(0x21, 0x21, kTcp4Block)), "PROXY v2 address block too short");
  EXPECT_EQ(refusal(v2(0x21, 0x11, kTcp4Block + bytes({0x04}))), "malformed PROXY v2 TLV");
  EXPECT_EQ(refusal(v2(0x21, 0x11, kTcp4Block + bytes({0x04, 0x00, 0x02, 'a'}))),
            "malformed PROXY v2 TLV");
}

TEST(ProxyProtocolV2, RefusesEarlyOnceTheFixedPartProvesIt) {
  // Only the 16 fixed bytes: a wrong version, a bad family or a huge length is already known.
  EXPECT_EQ(refusal(v2(0x11, 0x11, kTcp4Block).substr(0, 16)),
            "unsupported PROXY protocol version");
  EXPECT_EQ(refusal(v2(0x21, 0x31, kTcp4Block).substr(0, 16)),
            "unsupported PROXY v2 address family or transport");
  EXPECT_EQ(refusal(v2(0x21, 0x11, "").substr(0, 16)), "PROXY v2 address block too short");
}

TEST(ProxyProtocolV2, RefusesHeadersOverTheBound) {
  const std::string largest =
      v2(0x21, 0x11,
         kTcp4Block + bytes({0xe0, 0x0f, 0xe1}) + std::string(kMaxProxyV2Bytes - 16 - 12 - 3, 'x'));
  ASSERT_EQ(largest.size(), kMaxProxyV2Bytes);
  EXPECT_EQ(parse_proxy_protocol(largest).status, Status::done);
  std::string one_more =
      v2(0x21, 0x11,
         kTcp4Block + bytes({0xe0, 0x0f, 0xe2}) + std::string(kMaxProxyV2Bytes - 16 - 12 - 2, 'x'));
  EXPECT_EQ(refusal(one_more.substr(0, 16)), "PROXY v2 header too long");
  EXPECT_EQ(refusal(v2(0x21, 0x11, std::string(0xffff, 'x')).substr(0, 16)),
            "PROXY v2 header too long");
}

}  // namespace
}  // namespace apigw::http
