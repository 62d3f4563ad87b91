// One worker's private copies of the regexes its routes use. An RE2 object takes a lock inside
// every search (its DFA cache is shared by the threads that use it), and hostile input that
// resets that cache takes it exclusively: matching with a copy only this worker touches keeps
// locks off the hot path (DESIGN: no locks on the hot path).
//
// Copies are keyed by the compiled prototype, which config entities hold and share between
// snapshots, so a config change that keeps a route keeps its copies too; prune() forgets the
// copies of regexes no snapshot uses any more.
#pragma once

#include <memory>
#include <unordered_map>

namespace re2 {
class RE2;
}

namespace apigw::proxy {

class RegexCache {
 public:
  RegexCache();
  ~RegexCache();
  RegexCache(const RegexCache&) = delete;
  RegexCache& operator=(const RegexCache&) = delete;

  // This worker's copy of `prototype`, compiled on first use (tens of microseconds, once).
  const re2::RE2& copy_of(const std::shared_ptr<const re2::RE2>& prototype);

  // Drops the copies whose prototype only this cache still holds. Call when a new snapshot is
  // installed (the old one may still be running requests: they hold its prototypes).
  void prune();

  std::size_t size() const { return copies_.size(); }

 private:
  struct Copy {
    std::shared_ptr<const re2::RE2> prototype;  // keeps the key's address from being reused
    std::unique_ptr<re2::RE2> copy;
  };
  std::unordered_map<const re2::RE2*, Copy> copies_;
};

}  // namespace apigw::proxy
