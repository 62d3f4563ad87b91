#include "tls/cert_index.h"

#include <algorithm>

namespace apigw::tls {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view without_trailing_dot(std::string_view name) {
  if (name.ends_with('.')) name.remove_suffix(1);
  return name;
}

// Every label non-empty: "a..b", ".a" and "a." (after the one trailing dot is gone) name nothing.
bool labels_non_empty(std::string_view name) {
  return !name.empty() && !name.starts_with('.') && !name.ends_with('.') &&
         name.find("..") == name.npos;
}

}  // namespace

std::size_t CertIndex::Hash::operator()(std::string_view text) const {
  // FNV-1a over the lower-cased bytes.
  std::size_t hash = 14695981039346656037ull;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(lower(c));
    hash *= 1099511628211ull;
  }
  return hash;
}

bool CertIndex::Equal::operator()(std::string_view a, std::string_view b) const {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

CertIndex::Added CertIndex::add(std::string_view name, std::size_t certificate) {
  name = without_trailing_dot(name);
  const bool wildcard = name.starts_with("*.");
  const std::string_view base = wildcard ? name.substr(2) : name;
  if (!labels_non_empty(base) || base.find('*') != base.npos) return Added::invalid;
  if (wildcard && base.find('.') == base.npos) return Added::invalid;
  Names& names = wildcard ? wildcard_parents_ : exact_;
  return names.emplace(std::string(base), certificate).second ? Added::added : Added::duplicate;
}

std::size_t CertIndex::find(std::string_view server_name) const {
  server_name = without_trailing_dot(server_name);
  if (server_name.empty()) return default_;
  if (const auto exact = exact_.find(server_name); exact != exact_.end()) return exact->second;
  // One label, then the parent the wildcard must name: "a.b.example.com" looks for
  // "*.b.example.com" only, never "*.example.com".
  const std::size_t dot = server_name.find('.');
  if (dot != 0 && dot != server_name.npos) {
    const auto wildcard = wildcard_parents_.find(server_name.substr(dot + 1));
    if (wildcard != wildcard_parents_.end()) return wildcard->second;
  }
  return default_;
}

}  // namespace apigw::tls
