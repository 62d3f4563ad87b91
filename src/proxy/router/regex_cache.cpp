#include "proxy/router/regex_cache.h"

#include <re2/re2.h>

#include "util/anchored_regex.h"

namespace apigw::proxy {

RegexCache::RegexCache() = default;
RegexCache::~RegexCache() = default;

const re2::RE2& RegexCache::copy_of(const std::shared_ptr<const re2::RE2>& prototype) {
  const auto [slot, inserted] = copies_.try_emplace(prototype.get());
  if (inserted) {
    slot->second.prototype = prototype;
    slot->second.copy = util::copy_regex(*prototype);
  }
  return *slot->second.copy;
}

void RegexCache::prune() {
  std::erase_if(copies_, [](const auto& entry) { return entry.second.prototype.use_count() == 1; });
}

}  // namespace apigw::proxy
