// Did-you-mean hints for unknown keys, filter names and upstream references.
#include <algorithm>
#include <numeric>
#include <vector>

#include "config/detail.h"

namespace apigw::config::detail {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // One row of the Levenshtein table at a time; config words are short.
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  std::size_t best_distance = 0;
  for (const auto& candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    // Close means at most two edits, or a third of the word for long ones; but never "replace
    // everything", which would pair any two short words.
    const bool close = distance <= std::max<std::size_t>(2, word.size() / 3) &&
                       distance < std::max(word.size(), candidate.size());
    if (close && (best == nullptr || distance < best_distance)) {
      best = &candidate;
      best_distance = distance;
    }
  }
  if (best == nullptr) return {};
  return *best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  const auto match = closest_match(word, candidates);
  return match ? "; did you mean '" + *match + "'?" : "";
}

}  // namespace apigw::config::detail
