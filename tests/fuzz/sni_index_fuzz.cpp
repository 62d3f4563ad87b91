// Fuzzes the SNI certificate index (tls/cert_index.h) against a reference matcher that applies
// the RFC 6125 rules to every configured name in turn. Input lines:
//   "<digit> <name>"  certificate <digit> serves <name>
//   "d<digit>"        certificate <digit> is the default
//   "?<query>"        a server name a client sends
// Other lines are ignored. Besides the queries written, every added name is also looked up
// upper-cased, with a trailing dot, with one label more and with its first label dropped.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_check.h"
#include "tls/cert_index.h"

namespace {

using apigw::tls::CertIndex;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool same_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view normalized(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return name;
}

std::vector<std::string_view> labels(std::string_view name) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = name.find('.', start);
    parts.push_back(name.substr(start, dot == name.npos ? name.npos : dot - start));
    if (dot == name.npos) return parts;
    start = dot + 1;
  }
}

// One configured name as RFC 6125 reads it: exact, or "*." + a parent of two or more labels.
struct Pattern {
  bool wildcard = false;
  std::string_view base;  // the name, or the wildcard's parent
  std::size_t certificate = 0;

  static bool parse(std::string_view name, Pattern& out) {
    name = normalized(name);
    out.wildcard = name.size() >= 2 && name[0] == '*' && name[1] == '.';
    out.base = out.wildcard ? name.substr(2) : name;
    if (out.base.empty()) return false;
    const auto parts = labels(out.base);
    for (const auto label : parts) {
      if (label.empty() || label.find('*') != label.npos) return false;
    }
    return !out.wildcard || parts.size() >= 2;
  }

  bool matches(std::string_view host) const {
    host = normalized(host);
    if (!wildcard) return same_ignoring_case(host, base);
    const std::size_t dot = host.find('.');
    if (dot == 0 || dot == host.npos) return false;  // the wildcard is one non-empty label
    return same_ignoring_case(host.substr(dot + 1), base);
  }
};

// Every pattern in order: exact names before wildcards, the first match of each kind wins.
std::size_t reference_find(const std::vector<Pattern>& patterns, std::string_view host,
                           std::size_t fallback) {
  for (const bool wildcard : {false, true}) {
    for (const Pattern& pattern : patterns) {
      if (pattern.wildcard == wildcard && pattern.matches(host)) return pattern.certificate;
    }
  }
  return fallback;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::pair<std::size_t, std::string_view>> names;
  std::vector<std::string> queries;
  std::size_t fallback = 0;
  std::size_t start = 0;
  while (start <= input.size()) {
    const std::size_t end = std::min(input.find('\n', start), input.size());
    const std::string_view line = input.substr(start, end - start);
    start = end + 1;
    if (line.size() >= 2 && line[0] >= '0' && line[0] <= '9' && line[1] == ' ') {
      names.emplace_back(line[0] - '0', line.substr(2));
    } else if (line.size() == 2 && line[0] == 'd' && line[1] >= '0' && line[1] <= '9') {
      fallback = line[1] - '0';
    } else if (!line.empty() && line[0] == '?') {
      queries.emplace_back(line.substr(1));
    }
  }

  CertIndex index(fallback);
  std::vector<Pattern> patterns;
  for (const auto& [certificate, name] : names) {
    Pattern pattern;
    pattern.certificate = certificate;
    const bool valid = Pattern::parse(name, pattern);
    bool taken = false;
    for (const Pattern& earlier : patterns) {
      taken = taken || (earlier.wildcard == pattern.wildcard &&
                        same_ignoring_case(earlier.base, pattern.base));
    }
    const CertIndex::Added added = index.add(name, certificate);
    FUZZ_CHECK((added == CertIndex::Added::invalid) == !valid);
    if (!valid) continue;
    FUZZ_CHECK((added == CertIndex::Added::duplicate) == taken);
    if (!taken) patterns.push_back(pattern);
    std::string upper(name);
    for (char& c : upper) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    queries.push_back(upper);
    queries.push_back(std::string(name) + ".");
    queries.push_back("x." + std::string(name));
    const std::size_t dot = name.find('.');
    if (dot != name.npos) queries.push_back(std::string(name.substr(dot + 1)));
  }
  FUZZ_CHECK(index.default_certificate() == fallback);
  for (const std::string& query : queries) {
    FUZZ_CHECK(index.find(query) == reference_find(patterns, query, fallback));
  }
  return 0;
}
