#include "http/field.h"

#include <cstring>

namespace apigw::http {
namespace {

// Compares text with a lower-case name of the same size, eight bytes at a time. Setting bit 0x20
// lower-cases letters and leaves '-' and digits as they are; the only other byte it maps onto a
// letter or '-' is CR, which no parsed name or value holds. So for header text this is exact.
// The size is a constant of each call, so the loops unroll into a few word compares.
template <std::size_t N>
inline bool equals_lowercase(std::string_view text, const char (&lower)[N]) {
  constexpr std::size_t size = N - 1;  // without the terminating NUL
  constexpr std::uint64_t kCaseBits = 0x2020202020202020;
  if (text.size() != size) return false;
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    std::uint64_t a;
    std::uint64_t b;
    std::memcpy(&a, text.data() + i, 8);
    std::memcpy(&b, lower + i, 8);
    if ((a | kCaseBits) != b) return false;
  }
  for (; i < size; ++i) {
    if ((text[i] | 0x20) != lower[i]) return false;
  }
  return true;
}

}  // namespace

Field classify_field(std::string_view name) {
  // Dispatch on length; no length has more than two of these names.
  switch (name.size()) {
    case 2:
      return equals_lowercase(name, "te") ? Field::te : Field::other;
    case 4:
      return equals_lowercase(name, "host") ? Field::host : Field::other;
    case 6:
      if (equals_lowercase(name, "expect")) return Field::expect;
      return equals_lowercase(name, "cookie") ? Field::cookie : Field::other;
    case 7:
      if (equals_lowercase(name, "upgrade")) return Field::upgrade;
      return equals_lowercase(name, "trailer") ? Field::trailer : Field::other;
    case 10:
      if (equals_lowercase(name, "connection")) return Field::connection;
      if (equals_lowercase(name, "tracestate")) return Field::tracestate;
      return equals_lowercase(name, "keep-alive") ? Field::keep_alive : Field::other;
    case 11:
      return equals_lowercase(name, "traceparent") ? Field::traceparent : Field::other;
    case 12:
      if (equals_lowercase(name, "content-type")) return Field::content_type;
      return equals_lowercase(name, "x-request-id") ? Field::x_request_id : Field::other;
    case 14:
      return equals_lowercase(name, "content-length") ? Field::content_length : Field::other;
    case 15:
      return equals_lowercase(name, "x-forwarded-for") ? Field::x_forwarded_for : Field::other;
    case 16:
      if (equals_lowercase(name, "x-forwarded-host")) return Field::x_forwarded_host;
      return equals_lowercase(name, "proxy-connection") ? Field::proxy_connection : Field::other;
    case 17:
      if (equals_lowercase(name, "transfer-encoding")) return Field::transfer_encoding;
      return equals_lowercase(name, "x-forwarded-proto") ? Field::x_forwarded_proto : Field::other;
    case 18:
      return equals_lowercase(name, "proxy-authenticate") ? Field::proxy_authenticate
                                                          : Field::other;
    case 19:
      return equals_lowercase(name, "proxy-authorization") ? Field::proxy_authorization
                                                           : Field::other;
    case 21:
      return equals_lowercase(name, "x-client-cert-subject") ? Field::x_client_cert_subject
                                                             : Field::other;
    default:
      return Field::other;
  }
}

void ConnectionOptions::add(std::string_view value) {
  for_each_list_element(value, [this](std::string_view option) {
    if (equals_lowercase(option, "close")) {
      close = true;
    } else if (!option.empty()) {
      const Field field = classify_field(option);
      if (field == Field::other) {
        names_other_fields = true;
      } else {
        fields |= field_bit(field);
      }
    }
    return false;
  });
}

}  // namespace apigw::http
