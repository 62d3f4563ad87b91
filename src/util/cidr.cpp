#include "util/cidr.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace apigw::util {
namespace {

using U128 = unsigned __int128;

constexpr std::array<std::uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool is_mapped_v4(std::span<const std::uint8_t, 16> raw) {
  return std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), raw.begin());
}

std::uint32_t to_u32(const IpAddress& address) {
  const auto& b = address.bytes;
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
         std::uint32_t{b[3]};
}

U128 to_u128(const IpAddress& address) {
  U128 value = 0;
  for (std::uint8_t byte : address.bytes) value = (value << 8) | byte;
  return value;
}

// The mask of the host bits of a block: all ones below `prefix`.
std::uint32_t host_mask4(unsigned prefix) {
  return prefix >= 32 ? 0
                      : (prefix == 0 ? ~std::uint32_t{0} : (std::uint32_t{1} << (32 - prefix)) - 1);
}
U128 host_mask6(unsigned prefix) {
  return prefix >= 128 ? 0 : (prefix == 0 ? ~U128{0} : (U128{1} << (128 - prefix)) - 1);
}

IpAddress with_host_bits_cleared(IpAddress address, unsigned prefix) {
  const unsigned bits = address.is_v4() ? 32 : 128;
  for (unsigned bit = prefix; bit < bits; ++bit) {
    address.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  }
  return address;
}

void set_error(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
}

// Plain decimal without sign or leading zeros; empty when it is anything else.
std::optional<unsigned> parse_prefix(std::string_view text) {
  if (text.empty() || text.size() > 3 || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value;
}

template <typename Range>
void sort_and_merge(std::vector<Range>& ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const Range& a, const Range& b) { return a.first < b.first; });
  std::size_t kept = 0;
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    // Overlapping and adjacent ranges (last + 1 == first) become one.
    if (kept > 0 && (ranges[i].first <= ranges[kept - 1].last ||
                     ranges[i].first - 1 == ranges[kept - 1].last)) {
      ranges[kept - 1].last = std::max(ranges[kept - 1].last, ranges[i].last);
    } else {
      ranges[kept++] = ranges[i];
    }
  }
  ranges.resize(kept);
}

template <typename Range, typename Value>
bool ranges_contain(const std::vector<Range>& ranges, Value value) {
  // The last range starting at or before `value` is the only one that can hold it.
  auto after = std::upper_bound(ranges.begin(), ranges.end(), value,
                                [](Value v, const Range& range) { return v < range.first; });
  return after != ranges.begin() && value <= std::prev(after)->last;
}

}  // namespace

IpAddress IpAddress::v4(std::span<const std::uint8_t, 4> raw) {
  IpAddress address;
  std::copy(raw.begin(), raw.end(), address.bytes.begin());
  return address;
}

IpAddress IpAddress::v6(std::span<const std::uint8_t, 16> raw) {
  if (is_mapped_v4(raw)) return v4(raw.subspan<12, 4>());
  IpAddress address;
  address.family = Family::v6;
  std::copy(raw.begin(), raw.end(), address.bytes.begin());
  return address;
}

std::optional<IpAddress> parse_ip(std::string_view text) {
  // inet_pton wants a C string; the longest address fits this buffer, anything longer is not one.
  char terminated[kMaxIpTextBytes + 1];
  if (text.empty() || text.size() > kMaxIpTextBytes) return std::nullopt;
  std::memcpy(terminated, text.data(), text.size());
  terminated[text.size()] = '\0';
  if (text.find(':') == std::string_view::npos) {
    std::array<std::uint8_t, 4> raw;
    if (inet_pton(AF_INET, terminated, raw.data()) != 1) return std::nullopt;
    return IpAddress::v4(raw);
  }
  std::array<std::uint8_t, 16> raw;
  if (inet_pton(AF_INET6, terminated, raw.data()) != 1) return std::nullopt;
  return IpAddress::v6(raw);
}

std::string format_ip(const IpAddress& address) {
  char text[INET6_ADDRSTRLEN];
  const int family = address.is_v4() ? AF_INET : AF_INET6;
  if (inet_ntop(family, address.bytes.data(), text, sizeof text) == nullptr) return {};
  return text;
}

bool Cidr::contains(const IpAddress& address) const {
  if (address.family != network.family) return false;
  if (address.is_v4()) return (to_u32(address) & ~host_mask4(prefix)) == to_u32(network);
  return (to_u128(address) & ~host_mask6(prefix)) == to_u128(network);
}

std::optional<Cidr> parse_cidr(std::string_view text, std::string* error) {
  const std::size_t slash = text.find('/');
  const std::string_view address_text = text.substr(0, slash);
  const std::optional<IpAddress> address = parse_ip(address_text);
  if (!address) {
    set_error(error, "'" + std::string(text) + "' is not an IP address or CIDR block");
    return std::nullopt;
  }
  // A block written inside ::ffff:0:0/96 is the IPv4 block it maps (parse_ip made the address
  // IPv4 already), so its prefix counts from bit 96.
  const bool written_as_v6 = address_text.find(':') != std::string_view::npos;
  unsigned prefix = written_as_v6 ? 128 : 32;
  if (slash != std::string_view::npos) {
    const std::optional<unsigned> parsed = parse_prefix(text.substr(slash + 1));
    const unsigned written_max = written_as_v6 ? 128 : 32;
    if (!parsed || *parsed > written_max) {
      set_error(error, "'" + std::string(text) + "': the prefix length must be 0.." +
                           std::to_string(written_max));
      return std::nullopt;
    }
    prefix = *parsed;
  }
  if (written_as_v6 && address->is_v4()) {
    if (prefix < 96) {
      set_error(error, "'" + std::string(text) +
                           "': an IPv4-mapped block needs a prefix of at least 96 (or write it "
                           "as an IPv4 block)");
      return std::nullopt;
    }
    prefix -= 96;
  }
  Cidr cidr{*address, static_cast<std::uint8_t>(prefix)};
  const IpAddress masked = with_host_bits_cleared(*address, prefix);
  if (masked != *address) {
    set_error(error, "'" + std::string(text) + "' has host bits set; did you mean '" +
                         format_cidr({masked, cidr.prefix}) + "'?");
    return std::nullopt;
  }
  return cidr;
}

std::string format_cidr(const Cidr& cidr) {
  return format_ip(cidr.network) + "/" + std::to_string(cidr.prefix);
}

CidrSet::CidrSet(std::span<const Cidr> blocks) {
  for (const Cidr& block : blocks) {
    if (block.network.is_v4()) {
      const std::uint32_t first = to_u32(block.network) & ~host_mask4(block.prefix);
      v4_.push_back({first, first | host_mask4(block.prefix)});
    } else {
      const U128 first = to_u128(block.network) & ~host_mask6(block.prefix);
      v6_.push_back({first, first | host_mask6(block.prefix)});
    }
  }
  sort_and_merge(v4_);
  sort_and_merge(v6_);
}

bool CidrSet::contains(const IpAddress& address) const {
  if (address.is_v4()) return ranges_contain(v4_, to_u32(address));
  return ranges_contain(v6_, to_u128(address));
}

bool CidrSet::contains(std::string_view address) const {
  const std::optional<IpAddress> parsed = parse_ip(address);
  return parsed && contains(*parsed);
}

}  // namespace apigw::util
