// Absolute http:// and https:// URLs, split into what the client needs: where to connect, what to
// verify and the request-target to send.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "store/http/error.h"

namespace apigw::store::http {

struct Url {
  bool tls = false;          // https
  std::string host;          // lower-cased; an IPv6 literal without its brackets
  bool host_is_ip = false;   // IPv4 or IPv6 literal: no DNS, no SNI, certificate checked by IP
  std::uint16_t port = 0;    // the scheme's default when the URL has none
  bool default_port = true;  // the URL named no port, or the scheme's default one
  std::string target;        // path and query as given ("/" when the URL has no path)

  // What the Host header says: host, [v6], and ":port" unless it is the scheme's default.
  std::string authority() const;
};

// Refuses (invalid_request) other schemes, user info ("user:pass@"), an empty or malformed host,
// a port outside 1..65535, and spaces or control characters anywhere.
Result<Url> parse_url(std::string_view text);

}  // namespace apigw::store::http
