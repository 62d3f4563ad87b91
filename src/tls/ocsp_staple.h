// An OCSP response read from a file (DER, as `openssl ocsp -respout` or an ACME client's hook
// writes it) that handshakes staple while it is current. apigw does not fetch responses itself.
#pragma once

#include <openssl/x509.h>

#include <ctime>
#include <string>
#include <vector>

namespace apigw::tls {

struct OcspStaple {
  std::vector<unsigned char> der;  // empty: nothing to staple
  std::time_t this_update = 0;
  std::time_t next_update = 0;  // 0: the response gives none (current from this_update on)

  // Whether the response may be stapled at `now`: thisUpdate has passed (allowing a few minutes
  // of clock skew) and nextUpdate has not. A stale response is left out rather than sent, since
  // clients that check it would refuse the handshake.
  bool current(std::time_t now) const;
};

// Parses `der` (read from `path`) as a successful basic OCSP response with a "good" status for
// `leaf` (matched by serial number). Returns "" and fills `out`, or an error naming the file.
std::string parse_ocsp_staple(const std::string& der, const std::string& path, X509* leaf,
                              OcspStaple& out);

}  // namespace apigw::tls
