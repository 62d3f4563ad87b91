#include "proxy/router/host_index.h"

#include <algorithm>

namespace apigw::proxy {
namespace {

char to_lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// The host part of a Host value, without port or trailing dot; IPv6 literals keep their brackets.
std::string_view host_without_port(std::string_view raw) {
  if (!raw.empty() && raw.front() == '[') {
    const std::size_t close = raw.find(']');
    return close == std::string_view::npos ? std::string_view() : raw.substr(0, close + 1);
  }
  std::string_view host = raw.substr(0, raw.find(':'));
  // "example.com." is the same name written fully qualified; without this it would fall through
  // to the host-less routes and dodge any host-specific ones.
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return host;
}

}  // namespace

std::string_view canonical_request_host(std::string_view raw, std::array<char, 255>& buffer) {
  const std::string_view host = host_without_port(raw);
  // DNS names are at most 253 bytes; a longer Host cannot name any configured host, so the
  // router can lower-case into a fixed stack buffer and never allocate.
  if (host.size() > buffer.size()) return {};
  std::transform(host.begin(), host.end(), buffer.begin(), to_lower_ascii);
  return std::string_view(buffer.data(), host.size());
}

std::string canonical_config_host(std::string_view host) {
  std::string text(host);
  if (std::count(host.begin(), host.end(), ':') >= 2 && !host.starts_with('[')) {
    text = "[" + text + "]";  // a bare IPv6 literal; requests always bracket it
  }
  std::string canonical(host_without_port(text));
  std::transform(canonical.begin(), canonical.end(), canonical.begin(), to_lower_ascii);
  return canonical;
}

std::uint32_t HostIndex::table_for_host(const std::string& canonical_host, std::uint32_t next_id) {
  if (canonical_host.starts_with('*')) {
    const std::string suffix = canonical_host.substr(1);
    longest_wildcard_ = std::max(longest_wildcard_, suffix.size());
    return wildcards_.try_emplace(suffix, next_id).first->second;
  }
  return exact_.try_emplace(canonical_host, next_id).first->second;
}

std::uint32_t HostIndex::table_for_any_host(std::uint32_t next_id) {
  if (any_ == kNoTable) any_ = next_id;
  return any_;
}

}  // namespace apigw::proxy
