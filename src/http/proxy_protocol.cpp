#include "http/proxy_protocol.h"

#include <algorithm>
#include <optional>

namespace apigw::http {
namespace {

constexpr std::string_view kV1Prefix = "PROXY ";
constexpr std::string_view kV2Signature("\r\n\r\n\0\r\nQUIT\n", 12);
constexpr std::size_t kV2FixedBytes = 16;

// v2 byte 13: address family (high nibble) and transport (low nibble) that the gateway accepts.
constexpr std::uint8_t kUnspec = 0x00;
constexpr std::uint8_t kTcp4 = 0x11;
constexpr std::uint8_t kTcp6 = 0x21;
constexpr std::size_t kTcp4AddressBytes = 4 + 4 + 2 + 2;
constexpr std::size_t kTcp6AddressBytes = 16 + 16 + 2 + 2;

ProxyParseResult failed(std::string_view why) {
  ProxyParseResult result;
  result.status = ProxyParseStatus::error;
  result.error = why;
  return result;
}

ProxyParseResult need_more() { return {}; }

// True if `data` and `expected` agree on their common length.
bool agrees_with(std::string_view data, std::string_view expected) {
  const std::size_t n = std::min(data.size(), expected.size());
  return data.substr(0, n) == expected.substr(0, n);
}

std::uint8_t byte_at(std::string_view data, std::size_t i) {
  return static_cast<std::uint8_t>(data[i]);
}

std::uint16_t u16_at(std::string_view data, std::size_t i) {
  return static_cast<std::uint16_t>((byte_at(data, i) << 8) | byte_at(data, i + 1));
}

// A v1 port: decimal 0..65535.
std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

// Splits off the text before the next single space; `rest` keeps what follows it.
std::string_view next_field(std::string_view& rest) {
  const std::size_t space = rest.find(' ');
  const std::string_view field = rest.substr(0, space);
  rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  return field;
}

void set_addresses(ProxyHeader& header, const util::IpAddress& source,
                   const util::IpAddress& destination, std::uint16_t source_port,
                   std::uint16_t destination_port) {
  header.source = source;
  header.destination = destination;
  header.source_port = source_port;
  header.destination_port = destination_port;
  header.source_text = util::format_ip(source);
  header.destination_text = util::format_ip(destination);
}

// "PROXY TCP4 1.2.3.4 5.6.7.8 111 222\r\n", "PROXY UNKNOWN ...\r\n".
ProxyParseResult parse_v1(std::string_view data) {
  if (!agrees_with(data, kV1Prefix)) return failed("not a PROXY protocol header");
  // The CR may be at index 105 at the latest, so that the line with its CRLF is 107 bytes.
  const std::size_t cr_limit = kMaxProxyV1Bytes - 1;
  const std::size_t window = std::min(data.size(), cr_limit);
  std::size_t cr = kV1Prefix.size();
  while (cr < window && data[cr] != '\r') {
    // The line is US-ASCII text; anything else means this is not a header (say, TLS or HTTP/2).
    const auto c = static_cast<unsigned char>(data[cr]);
    if (c < 0x20 || c > 0x7e) return failed("invalid byte in a PROXY v1 line");
    ++cr;
  }
  if (cr == window) {
    return data.size() >= cr_limit ? failed("PROXY v1 line longer than 107 bytes") : need_more();
  }
  if (cr + 1 >= data.size()) return need_more();
  if (data[cr + 1] != '\n') return failed("PROXY v1 line not ended by CRLF");

  ProxyParseResult result;
  result.status = ProxyParseStatus::done;
  result.header_bytes = cr + 2;
  std::string_view rest = data.substr(kV1Prefix.size(), cr - kV1Prefix.size());
  const std::string_view protocol = next_field(rest);
  if (protocol == "UNKNOWN") {
    // The spec says whatever follows UNKNOWN up to the CRLF is to be ignored.
    result.header.local = true;
    return result;
  }
  if (protocol != "TCP4" && protocol != "TCP6") return failed("unknown PROXY v1 protocol");
  const std::string_view source = next_field(rest);
  const std::string_view destination = next_field(rest);
  const std::string_view source_port = next_field(rest);
  const std::string_view destination_port = rest;
  const std::optional<util::IpAddress> source_ip = util::parse_ip(source);
  const std::optional<util::IpAddress> destination_ip = util::parse_ip(destination);
  if (!source_ip || !destination_ip) return failed("bad address in a PROXY v1 line");
  // TCP4 carries dotted quads, TCP6 IPv6 text (which may be IPv4-mapped).
  const bool v6_text = protocol == "TCP6";
  if ((source.find(':') != std::string_view::npos) != v6_text ||
      (destination.find(':') != std::string_view::npos) != v6_text) {
    return failed("PROXY v1 address does not match the protocol");
  }
  const std::optional<std::uint16_t> sport = parse_port(source_port);
  const std::optional<std::uint16_t> dport = parse_port(destination_port);
  if (!sport || !dport) return failed("bad port in a PROXY v1 line");
  set_addresses(result.header, *source_ip, *destination_ip, *sport, *dport);
  return result;
}

// TLVs are type (1 byte), length (2 bytes), value; they must fill `tlvs` exactly.
bool well_formed_tlvs(std::string_view tlvs) {
  while (!tlvs.empty()) {
    if (tlvs.size() < 3) return false;
    const std::size_t length = u16_at(tlvs, 1);
    if (tlvs.size() - 3 < length) return false;
    tlvs.remove_prefix(3 + length);
  }
  return true;
}

ProxyParseResult parse_v2(std::string_view data) {
  if (!agrees_with(data, kV2Signature)) return failed("not a PROXY protocol header");
  if (data.size() < kV2FixedBytes) return need_more();
  const std::uint8_t version_command = byte_at(data, 12);
  const std::uint8_t family = byte_at(data, 13);
  const std::size_t length = u16_at(data, 14);
  if ((version_command >> 4) != 2) return failed("unsupported PROXY protocol version");
  const std::uint8_t command = version_command & 0x0f;
  if (command > 1) return failed("unknown PROXY v2 command");
  if (kV2FixedBytes + length > kMaxProxyV2Bytes) return failed("PROXY v2 header too long");
  const bool local = command == 0;  // LOCAL: the family and the block are ignored
  std::size_t address_bytes = 0;
  if (!local) {
    if (family == kTcp4) {
      address_bytes = kTcp4AddressBytes;
    } else if (family == kTcp6) {
      address_bytes = kTcp6AddressBytes;
    } else if (family != kUnspec) {
      return failed("unsupported PROXY v2 address family or transport");
    }
    if (length < address_bytes) return failed("PROXY v2 address block too short");
  }
  if (data.size() < kV2FixedBytes + length) return need_more();

  ProxyParseResult result;
  result.status = ProxyParseStatus::done;
  result.header_bytes = kV2FixedBytes + length;
  if (local || family == kUnspec) {
    // Health checks from the proxy itself, or a protocol it could not describe: the block says
    // nothing the gateway can use, and the real peer stands.
    result.header.local = true;
    return result;
  }
  const std::string_view block = data.substr(kV2FixedBytes, length);
  if (!well_formed_tlvs(block.substr(address_bytes))) return failed("malformed PROXY v2 TLV");
  const auto* raw = reinterpret_cast<const std::uint8_t*>(block.data());
  if (family == kTcp4) {
    set_addresses(result.header, util::IpAddress::v4(std::span<const std::uint8_t, 4>(raw, 4)),
                  util::IpAddress::v4(std::span<const std::uint8_t, 4>(raw + 4, 4)),
                  u16_at(block, 8), u16_at(block, 10));
  } else {
    set_addresses(result.header, util::IpAddress::v6(std::span<const std::uint8_t, 16>(raw, 16)),
                  util::IpAddress::v6(std::span<const std::uint8_t, 16>(raw + 16, 16)),
                  u16_at(block, 32), u16_at(block, 34));
  }
  return result;
}

}  // namespace

ProxyParseResult parse_proxy_protocol(std::string_view data) {
  if (data.empty()) return need_more();
  if (data[0] == kV1Prefix[0]) return parse_v1(data);
  if (data[0] == kV2Signature[0]) return parse_v2(data);
  return failed("not a PROXY protocol header");
}

}  // namespace apigw::http
