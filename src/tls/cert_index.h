// Which certificate of a listener answers a TLS client, from the server name it sent (SNI):
// an exact name first, then a one-level wildcard, then the listener's default. I/O-free; one
// index per listener, built with the listener's contexts and read-only afterwards.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

namespace apigw::tls {

class CertIndex {
 public:
  enum class Added { added, duplicate, invalid };

  // Lookups that match no name give `default_certificate`.
  explicit CertIndex(std::size_t default_certificate) : default_(default_certificate) {}

  // Serves `name` with certificate `certificate`. Names compare case-insensitively and a
  // trailing dot is ignored. "*.example.com" stands for exactly one label in front of
  // example.com (RFC 6125 §6.4.3), and needs at least two labels after "*.". A name already
  // taken keeps its first certificate (duplicate); '*' anywhere else, an empty label or an empty
  // name is refused (invalid).
  Added add(std::string_view name, std::size_t certificate);

  // The certificate for a client's server name ("" when it sent none): exact, then wildcard,
  // then the default. Allocates nothing.
  std::size_t find(std::string_view server_name) const;

  std::size_t default_certificate() const { return default_; }

 private:
  // ASCII case-insensitive hashing and equality, so lookups need no lower-cased copy.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const;
  };
  struct Equal {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const;
  };
  using Names = std::unordered_map<std::string, std::size_t, Hash, Equal>;

  Names exact_;
  Names wildcard_parents_;  // "example.com" for "*.example.com"
  std::size_t default_;
};

}  // namespace apigw::tls
