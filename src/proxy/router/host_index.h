// Which host tables a request's Host can use, most specific first: the table of its exact host,
// then the tables of the wildcards it falls under, longest suffix first, then the table of routes
// without a host constraint. That visiting order is rule 1 of the router's precedence (router.h):
// a route found in an earlier table always beats one found in a later table.
// Cost per request: one hash lookup for the exact host, and one per dot of the host for the
// wildcards (only for suffixes no longer than the longest configured wildcard).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace apigw::proxy {

// The host part of a Host value, lower-case, without port or trailing dot; IPv6 literals keep
// their brackets ("API.Example.com.:8080" -> "api.example.com", "[::1]:80" -> "[::1]").
// `buffer` holds the lowered text; empty when the value names no host or is longer than any
// DNS name (255 bytes).
std::string_view canonical_request_host(std::string_view raw, std::array<char, 255>& buffer);

// The same reduction for a host written in the config ("::1" becomes "[::1]").
std::string canonical_config_host(std::string_view host);

class HostIndex {
 public:
  static constexpr std::uint32_t kNoTable = ~std::uint32_t{0};

  // The table of an exact host, a wildcard ("*.example.com") or no host constraint; made on
  // first use with id `next_id` (the caller's count of tables), which is then returned.
  std::uint32_t table_for_host(const std::string& canonical_host, std::uint32_t next_id);
  std::uint32_t table_for_any_host(std::uint32_t next_id);

  // Calls visit(table) for each table the host can use, in precedence order, until visit
  // returns true; returns whether one did. `host` is canonical (canonical_request_host).
  template <typename Visit>
  bool visit_tables(std::string_view host, Visit&& visit) const {
    if (!host.empty()) {
      if (!exact_.empty()) {
        if (const auto found = exact_.find(host); found != exact_.end() && visit(found->second)) {
          return true;
        }
      }
      if (!wildcards_.empty()) {
        // A wildcard needs at least one character before its suffix: the dot at index 0 of
        // ".example.com" opens no suffix, so "*.example.com" does not match it.
        const std::size_t first =
            host.size() > longest_wildcard_ ? host.size() - longest_wildcard_ : 1;
        for (std::size_t dot = host.find('.', first); dot != std::string_view::npos;
             dot = host.find('.', dot + 1)) {
          const auto found = wildcards_.find(host.substr(dot));
          if (found != wildcards_.end() && visit(found->second)) return true;
        }
      }
    }
    return any_ != kNoTable && visit(any_);
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>>;

  Map exact_;
  Map wildcards_;  // by suffix with its dot: ".example.com"
  std::size_t longest_wildcard_ = 0;
  std::uint32_t any_ = kNoTable;
};

}  // namespace apigw::proxy
