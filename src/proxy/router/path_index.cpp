#include "proxy/router/path_index.h"

#include <algorithm>

namespace apigw::proxy {
namespace {

bool by_ordinal(const RouteEntry& a, const RouteEntry& b) { return a.ordinal < b.ordinal; }

// The trie's segments of a normalized path: the texts between slashes after the leading one.
// "/" is one empty segment and "/a/" is "a" then "": exactly what match_path_template compares.
using Segments = boost::container::small_vector<std::string_view, 16>;

void split_segments(std::string_view path, Segments& out) {
  std::size_t begin = 1;
  while (true) {
    const std::size_t end = path.find('/', begin);
    out.push_back(path.substr(begin, end == std::string_view::npos ? end : end - begin));
    if (end == std::string_view::npos) return;
    begin = end + 1;
  }
}

std::string child_key(std::uint32_t parent, std::string_view text) {
  std::string key(reinterpret_cast<const char*>(&parent), sizeof parent);
  key.append(text);
  return key;
}

}  // namespace

void PathIndex::mark_length(std::vector<bool>& lengths, std::size_t length) {
  if (lengths.size() <= length) lengths.resize(length + 1, false);
  lengths[length] = true;
}

void PathIndex::add_exact(const std::string& path, RouteEntry entry) {
  exact_[path].push_back(entry);
}

void PathIndex::add_prefix(const std::string& prefix, RouteEntry entry) {
  prefixes_[prefix].push_back(entry);
  mark_length(prefix_lengths_, prefix.size());
}

void PathIndex::add_regex(const std::string& directory, RouteEntry entry) {
  const std::string key = directory.empty() ? std::string("/") : directory;
  regexes_[key].push_back(entry);
  mark_length(regex_lengths_, key.size());
}

void PathIndex::add_template(const http::PathTemplate& tmpl, RouteEntry entry) {
  if (trie_.empty()) trie_.emplace_back();
  std::uint32_t node = 0;
  const auto descend = [&](bool is_param, std::string_view text) {
    std::uint32_t child = kNoNode;
    if (is_param) {
      child = trie_[node].param_child;
    } else if (const auto found = building_children_.find(child_key(node, text));
               found != building_children_.end()) {
      child = found->second;
    }
    if (child == kNoNode) {
      child = static_cast<std::uint32_t>(trie_.size());
      trie_.emplace_back();
      if (is_param) {
        trie_[node].param_child = child;
      } else {
        building_children_.emplace(child_key(node, text), child);
        trie_[node].literals.emplace_back(std::string(text), child);
      }
    }
    node = child;
  };
  // The template "/" has no segments but matches only the path "/": one empty literal segment.
  if (tmpl.segments.empty()) descend(false, "");
  for (const http::TemplateSegment& segment : tmpl.segments) {
    if (segment.rest) {  // the last one: it takes whatever segments the path has left
      trie_[node].rest_templates.push_back(entry);
      has_rest_templates_ = true;
      return;
    }
    descend(segment.is_param, segment.text);
  }
  trie_[node].templates.push_back(entry);
  deepest_template_ = std::max(deepest_template_, std::max<std::size_t>(tmpl.segments.size(), 1));
}

void PathIndex::finish() {
  for (auto* map : {&exact_, &prefixes_, &regexes_}) {
    for (auto& [key, entries] : *map) std::sort(entries.begin(), entries.end(), by_ordinal);
  }
  for (TrieNode& node : trie_) {
    std::sort(node.templates.begin(), node.templates.end(), by_ordinal);
    std::sort(node.rest_templates.begin(), node.rest_templates.end(), by_ordinal);
    std::sort(node.literals.begin(), node.literals.end());
  }
  building_children_ = {};
}

std::uint32_t PathIndex::literal_child(std::uint32_t node, std::string_view text) const {
  const auto& literals = trie_[node].literals;
  const auto found = std::lower_bound(literals.begin(), literals.end(), text,
                                      [](const std::pair<std::string, std::uint32_t>& child,
                                         std::string_view t) { return child.first < t; });
  return found != literals.end() && found->first == text ? found->second : kNoNode;
}

void PathIndex::collect_templates(std::string_view path, Lists& out) const {
  // A path with more segments than the deepest template cannot match any; cheap to rule out.
  if (!has_rest_templates_ &&
      static_cast<std::size_t>(std::count(path.begin(), path.end(), '/')) > deepest_template_) {
    return;
  }
  Segments segments;
  split_segments(path, segments);
  // Depth-first over (node, depth); at most two children per node match a segment (its literal
  // and the parameter), and the trie's shape bounds the walk.
  boost::container::small_vector<std::pair<std::uint32_t, std::uint32_t>, 16> stack;
  stack.emplace_back(0, 0);
  while (!stack.empty()) {
    const auto [node, depth] = stack.back();
    stack.pop_back();
    // A "{*rest}" here takes the segments left, if there is at least one (the slash before it).
    if (depth < segments.size() && !trie_[node].rest_templates.empty()) {
      out.push_back(&trie_[node].rest_templates);
    }
    if (depth == segments.size()) {
      if (!trie_[node].templates.empty()) out.push_back(&trie_[node].templates);
      continue;
    }
    const std::string_view segment = segments[depth];
    if (trie_[node].param_child != kNoNode && !segment.empty()) {
      stack.emplace_back(trie_[node].param_child, depth + 1);
    }
    if (const std::uint32_t child = literal_child(node, segment); child != kNoNode) {
      stack.emplace_back(child, depth + 1);
    }
  }
}

}  // namespace apigw::proxy
