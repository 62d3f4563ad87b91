// The paths of the routes of one host table, indexed so a lookup costs the same with ten routes
// or ten thousand: exact paths and prefixes in hash maps (a path has one exact key and one
// prefix key per '/', so a lookup tries each; prefixes whose length no route uses are skipped
// without hashing), templates in a segment trie (one literal child per text, one parameter
// child), regexes under the literal directory every one of their matches starts with.
//
// Each entry carries its ordinal, its place in the router's precedence order (router.h; lower
// wins), and every list is sorted by it. find() offers the entries whose path can match in that
// order, kind by kind as rule 2 ranks them: exact, templates, regexes, prefixes (longest first).
// Within a kind, lists reached by several keys are merged by ordinal.
#pragma once

#include <boost/container/small_vector.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http/path_template.h"

namespace apigw::proxy {

// One path of one route, as the index holds it.
struct RouteEntry {
  std::uint32_t ordinal = 0;  // place in precedence order; lower wins
  std::uint32_t route = 0;
  std::uint32_t path = 0;  // index in the route's paths
};

class PathIndex {
 public:
  void add_exact(const std::string& path, RouteEntry entry);
  void add_prefix(const std::string& prefix, RouteEntry entry);
  void add_template(const http::PathTemplate& tmpl, RouteEntry entry);
  // `directory` is the literal start of every match, ending with '/' (util::regex_path_directory).
  void add_regex(const std::string& directory, RouteEntry entry);
  // Sorts every list by ordinal and freezes the trie. Call once, after the last add.
  void finish();

  // Offers accept(entry) the entries whose path can match `path` (normalized), in precedence
  // order, until accept returns true; returns that entry or nullptr. Template and regex entries
  // are candidates only: accept must still match them (it fills their parameters).
  template <typename Accept>
  const RouteEntry* find(std::string_view path, Accept&& accept) const;

 private:
  using Entries = std::vector<RouteEntry>;
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using EntryMap = std::unordered_map<std::string, Entries, Hash, std::equal_to<>>;

  struct TrieNode {
    std::vector<std::pair<std::string, std::uint32_t>> literals;  // sorted by text
    std::uint32_t param_child = kNoNode;
    Entries templates;       // templates that end here
    Entries rest_templates;  // templates whose "{*rest}" segment starts here
  };
  static constexpr std::uint32_t kNoNode = ~std::uint32_t{0};
  using Lists = boost::container::small_vector<const Entries*, 8>;

  std::uint32_t literal_child(std::uint32_t node, std::string_view text) const;
  void collect_templates(std::string_view path, Lists& out) const;
  template <typename Accept>
  static const RouteEntry* merge(const Lists& lists, Accept& accept);
  static void mark_length(std::vector<bool>& lengths, std::size_t length);
  static bool has_length(const std::vector<bool>& lengths, std::size_t length) {
    return length < lengths.size() && lengths[length];
  }

  EntryMap exact_;
  EntryMap prefixes_;
  std::vector<bool> prefix_lengths_;
  EntryMap regexes_;  // by directory
  std::vector<bool> regex_lengths_;
  std::vector<TrieNode> trie_;  // [0] is the root once a template is added
  std::size_t deepest_template_ = 0;
  bool has_rest_templates_ = false;  // then no path is too deep for the templates
  // While building: (parent, text) -> child, so adding stays O(1) per segment; sorted into
  // each node's `literals` by finish().
  std::unordered_map<std::string, std::uint32_t> building_children_;
};

template <typename Accept>
const RouteEntry* PathIndex::merge(const Lists& lists, Accept& accept) {
  if (lists.size() == 1) {
    for (const RouteEntry& entry : *lists.front()) {
      if (accept(entry)) return &entry;
    }
    return nullptr;
  }
  // k-way merge by ordinal; k is small (template leaves reached, or directories of the path).
  boost::container::small_vector<std::pair<const RouteEntry*, const RouteEntry*>, 8> heads;
  for (const Entries* list : lists) heads.emplace_back(list->data(), list->data() + list->size());
  while (true) {
    std::size_t best = heads.size();
    for (std::size_t i = 0; i < heads.size(); ++i) {
      if (heads[i].first == heads[i].second) continue;
      if (best == heads.size() || heads[i].first->ordinal < heads[best].first->ordinal) best = i;
    }
    if (best == heads.size()) return nullptr;
    const RouteEntry* entry = heads[best].first++;
    if (accept(*entry)) return entry;
  }
}

template <typename Accept>
const RouteEntry* PathIndex::find(std::string_view path, Accept&& accept) const {
  if (!exact_.empty()) {
    if (const auto found = exact_.find(path); found != exact_.end()) {
      for (const RouteEntry& entry : found->second) {
        if (accept(entry)) return &entry;
      }
    }
  }
  if (!trie_.empty()) {
    Lists lists;
    collect_templates(path, lists);
    if (!lists.empty()) {
      if (const RouteEntry* entry = merge(lists, accept)) return entry;
    }
  }
  if (!regexes_.empty()) {
    Lists lists;
    for (std::size_t slash = path.find('/'); slash != std::string_view::npos;
         slash = path.find('/', slash + 1)) {
      if (!has_length(regex_lengths_, slash + 1)) continue;
      if (const auto found = regexes_.find(path.substr(0, slash + 1)); found != regexes_.end()) {
        lists.push_back(&found->second);
      }
    }
    if (!lists.empty()) {
      if (const RouteEntry* entry = merge(lists, accept)) return entry;
    }
  }
  if (prefixes_.empty()) return nullptr;
  // Longest first (rule 2): the whole path, then for each '/' from the right the prefix that
  // keeps it ("/a/") and the one that stops before it ("/a").
  const auto try_prefix = [&](std::size_t length) -> const RouteEntry* {
    if (!has_length(prefix_lengths_, length)) return nullptr;
    const auto found = prefixes_.find(path.substr(0, length));
    if (found == prefixes_.end()) return nullptr;
    for (const RouteEntry& entry : found->second) {
      if (accept(entry)) return &entry;
    }
    return nullptr;
  };
  if (const RouteEntry* entry = try_prefix(path.size())) return entry;
  for (std::size_t slash = path.rfind('/'); slash != std::string_view::npos;
       slash = slash == 0 ? std::string_view::npos : path.rfind('/', slash - 1)) {
    if (slash + 1 < path.size()) {
      if (const RouteEntry* entry = try_prefix(slash + 1)) return entry;
    }
    if (slash > 0) {
      if (const RouteEntry* entry = try_prefix(slash)) return entry;
    }
  }
  return nullptr;
}

}  // namespace apigw::proxy
