// IP addresses, CIDR blocks and sets of blocks, for "is this address one of ours?" questions
// (trusted proxies, access lists). I/O-free; parsing goes through inet_pton, so what is accepted is
// exactly what the C library accepts (no zone ids, no leading zeros in IPv4).
//
// The two families are kept apart: an IPv4 address matches IPv4 blocks only, an IPv6 address IPv6
// blocks only, so "::/0" does not quietly trust every IPv4 client. IPv4-mapped IPv6 addresses
// (::ffff:10.1.2.3, what a dual-stack socket reports for an IPv4 peer) are IPv4 addresses here,
// and so are blocks inside ::ffff:0:0/96 ("::ffff:10.0.0.0/104" is 10.0.0.0/8).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace apigw::util {

// One IP address in binary form, network byte order. IPv4 uses bytes[0..3], the rest is zero.
struct IpAddress {
  enum class Family : std::uint8_t { v4, v6 };

  Family family = Family::v4;
  std::array<std::uint8_t, 16> bytes{};

  // From raw bytes (in_addr / in6_addr contents). An IPv4-mapped IPv6 address becomes IPv4.
  static IpAddress v4(std::span<const std::uint8_t, 4> raw);
  static IpAddress v6(std::span<const std::uint8_t, 16> raw);

  bool is_v4() const { return family == Family::v4; }
  bool operator==(const IpAddress&) const = default;
};

// The longest textual form (an IPv6 address with an embedded IPv4 one), without a terminating NUL.
inline constexpr std::size_t kMaxIpTextBytes = 45;

// Parses a bare address ("10.1.2.3", "2001:db8::1", "::ffff:10.1.2.3"); no brackets, ports or
// surrounding whitespace. Empty when `text` is not an address.
std::optional<IpAddress> parse_ip(std::string_view text);

// The canonical text of an address (inet_ntop): "10.1.2.3", "2001:db8::1".
std::string format_ip(const IpAddress& address);

// A block of addresses: `prefix` leading bits of `network` are fixed, the others are zero.
struct Cidr {
  IpAddress network;
  std::uint8_t prefix = 0;  // 0..32 for IPv4, 0..128 for IPv6

  bool contains(const IpAddress& address) const;
  bool operator==(const Cidr&) const = default;
};

// Parses "10.0.0.0/8", "2001:db8::/32", or a bare address ("192.168.1.7" is a /32, "::1" a /128).
// Refused, with the reason in `error` when given: a bad address, a prefix that is not 0..32 (IPv4)
// or 0..128 (IPv6) in plain decimal, and host bits set ("10.1.2.3/8"). NGINX masks host bits with a
// warning; here a list of trusted addresses is at stake, where a silently widened block is a hole,
// so the error names the block that was probably meant instead.
std::optional<Cidr> parse_cidr(std::string_view text, std::string* error = nullptr);

// "10.0.0.0/8": the canonical text of a block.
std::string format_cidr(const Cidr& cidr);

// A set of blocks that answers contains() with one binary search per address: the blocks become
// sorted, merged, disjoint address ranges per family. Immutable once built; cheap to share.
class CidrSet {
 public:
  CidrSet() = default;
  explicit CidrSet(std::span<const Cidr> blocks);

  bool contains(const IpAddress& address) const;
  // False for text that is not an address.
  bool contains(std::string_view address) const;

  bool empty() const { return v4_.empty() && v6_.empty(); }

 private:
  // Inclusive ranges, sorted by first, disjoint and not adjacent.
  struct Range4 {
    std::uint32_t first;
    std::uint32_t last;
  };
  struct Range6 {
    unsigned __int128 first;
    unsigned __int128 last;
  };
  std::vector<Range4> v4_;
  std::vector<Range6> v6_;
};

}  // namespace apigw::util
