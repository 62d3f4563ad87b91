// The client address behind trusted proxies, from X-Forwarded-For (what NGINX's realip module does
// with real_ip_recursive on). Each proxy appends the address it received the connection from, so
// only the right end of the list can be believed: the walk starts at the peer and goes left while
// the hop it reached is trusted. Whatever a client writes into its own X-Forwarded-For lies left
// of the first untrusted hop and is never reached.
#pragma once

#include <span>
#include <string_view>

#include "util/cidr.h"

namespace apigw::http {

struct ForwardedClient {
  // The client's address as written: the peer text, or an X-Forwarded-For element without its
  // port and brackets. Points into `peer` or into one of the header values.
  std::string_view address;
  util::IpAddress ip;
  // How many X-Forwarded-For elements were accepted: 0 when the client is the peer itself.
  std::size_t hops = 0;
};

// The client address for a connection from `peer` (an address as text, without port) that carried
// the X-Forwarded-For values `forwarded_for` (every such header in order; together they form one
// list). Starting at the peer, while the current address is in `trusted`, it steps to the next
// element to its left; it stops at the first untrusted address (that one is the client), at the
// left end (the leftmost element is the client), or at an element that is not an address
// ("unknown", an obfuscated name, garbage), where the last trusted address stands. Elements may
// carry a port
// ("1.2.3.4:5678", "[2001:db8::1]:443") or brackets ("[2001:db8::1]"), which are stripped; empty
// elements are skipped (RFC 9110 §5.6.1). An untrusted peer is the client and the header is not
// read at all. A peer that is not an address is returned as it is, with `ip` left zero.
ForwardedClient forwarded_client(std::string_view peer,
                                 std::span<const std::string_view> forwarded_for,
                                 const util::CidrSet& trusted);

// One X-Forwarded-For element without a port and brackets: "[::1]:80" -> "::1", "1.2.3.4:80" ->
// "1.2.3.4", "2001:db8::1" -> itself. Empty when the element is malformed: unbalanced brackets,
// brackets around something without a colon ("[1.2.3.4]"), a port that is not 1-5 digits. The
// result is not checked to be an address.
std::string_view strip_forwarded_port(std::string_view element);

}  // namespace apigw::http
