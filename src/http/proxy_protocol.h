// The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2), which a load balancer
// in front of the gateway sends once at the start of each connection to say who the client is.
// I/O-free: the caller hands over the bytes received so far and learns whether they hold a whole
// header, need more, or are not one. On a listener configured for the PROXY protocol nothing else
// is accepted: a connection that starts with anything but a header is refused, as the spec asks
// (otherwise any client could connect directly and claim to be anyone).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/cidr.h"

namespace apigw::http {

// Bounds. A v1 line is at most 107 bytes including CRLF (the spec's own bound). A v2 header is 16
// bytes plus its address block and TLVs; the spec allows 64 KiB, load balancers send a few hundred
// bytes (AWS and GCP TLVs included), so more than this is refused rather than buffered.
inline constexpr std::size_t kMaxProxyV1Bytes = 107;
inline constexpr std::size_t kMaxProxyV2Bytes = 4096;

enum class ProxyParseStatus : std::uint8_t {
  need_more,  // a valid header may still follow: read more and call again with all bytes
  error,      // not a PROXY protocol header (or one that is malformed or unsupported): close
  done,       // a whole header: consume `header_bytes`, what follows is the client's first byte
};

struct ProxyHeader {
  // True when the header does not describe a proxied client (v1 "UNKNOWN", v2 LOCAL command or
  // AF_UNSPEC, used by health checks): the connection's real peer is the client. The addresses
  // are then empty.
  bool local = false;
  util::IpAddress source;
  util::IpAddress destination;
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  // Canonical text of the addresses (inet_ntop), for logs and X-Forwarded-For.
  std::string source_text;
  std::string destination_text;
};

struct ProxyParseResult {
  ProxyParseStatus status = ProxyParseStatus::need_more;
  std::string_view error;        // why, when status is error (a static string)
  std::size_t header_bytes = 0;  // when done: the bytes of `data` the header occupies
  ProxyHeader header;            // when done
};

// Parses a PROXY protocol header (v1 or v2) at the start of `data`. Pure: call it again with the
// bytes received so far after each read until the status is not need_more. Refuses early: as soon
// as the bytes cannot be the start of a valid header (a wrong signature, a v1 line with a byte a
// valid line cannot contain, a v1 line longer than 107 bytes, a v2 length over the bound), the
// status is error without waiting for more. v1 accepts "TCP4", "TCP6" and "UNKNOWN"; v2 accepts
// version 2, the LOCAL and PROXY commands, AF_UNSPEC, and AF_INET / AF_INET6 over STREAM; TLVs are
// checked to be well formed and otherwise skipped.
ProxyParseResult parse_proxy_protocol(std::string_view data);

}  // namespace apigw::http
