#include "util/anchored_regex.h"

#include <re2/re2.h>

namespace apigw::util {
namespace {

// Each compiled object may use this much for its program and its DFA cache; past it RE2 falls
// back to slower (still linear) matching instead of growing. Patterns in routes are short.
constexpr std::int64_t kRegexMaxMemory = 256 * 1024;

RE2::Options regex_options() {
  RE2::Options options;
  options.set_log_errors(false);  // errors are reported with the config's file:line instead
  options.set_max_mem(kRegexMaxMemory);
  return options;
}

}  // namespace

std::shared_ptr<const re2::RE2> compile_anchored_regex(std::string_view pattern,
                                                       std::string& error) {
  // The pattern must compile as written: wrapped, an unbalanced "/a)|(.*" would close the
  // wrapper's group and compile as "^(?:/a)|(.*)$" (every path). Its error also quotes only what
  // the user wrote ("missing ]: [", not "[)$").
  if (const re2::RE2 written(re2::StringPiece(pattern.data(), pattern.size()), regex_options());
      !written.ok()) {
    error = written.error();
    return nullptr;
  }
  // The group keeps alternatives inside the anchors: "a|b" must not become "^a|b$".
  std::string anchored = "^(?:";
  anchored.append(pattern).append(")$");
  auto regex = std::make_shared<const re2::RE2>(anchored, regex_options());
  if (!regex->ok()) {
    error = regex->error();
    return nullptr;
  }
  if (regex->ProgramSize() > static_cast<int>(kMaxRegexProgramSize)) {
    error = "too complex (program size " + std::to_string(regex->ProgramSize()) + ", at most " +
            std::to_string(kMaxRegexProgramSize) + ")";
    return nullptr;
  }
  if (regex->NumberOfCapturingGroups() > kMaxRegexCaptures) {
    error = "more than " + std::to_string(kMaxRegexCaptures) + " capturing groups";
    return nullptr;
  }
  return regex;
}

std::unique_ptr<re2::RE2> copy_regex(const re2::RE2& regex) {
  return std::make_unique<re2::RE2>(regex.pattern(), regex.options());
}

std::string regex_path_directory(const re2::RE2& regex) {
  // The pattern as written, inside the anchoring compile_anchored_regex adds.
  std::string_view pattern = regex.pattern();
  if (pattern.starts_with("^(?:") && pattern.ends_with(")$")) {
    pattern = pattern.substr(4, pattern.size() - 6);
  }
  std::string literal;
  if (pattern.find('|') == std::string_view::npos) {
    // Fast path, O(length): the plain characters the pattern opens with. Building a table of
    // 10,000 regex routes would otherwise spend most of its time in PossibleMatchRange (it runs
    // a DFA), well past the 50 ms a build may take.
    const std::size_t run = std::min(pattern.find_first_of("\\.^$?*+()[]{}"), pattern.size());
    literal = pattern.substr(0, run);
    // A quantifier applies to the last character only: "/ab?" guarantees "/a".
    if (run < pattern.size() &&
        std::string_view("?*+{").find(pattern[run]) != std::string_view::npos && !literal.empty()) {
      literal.pop_back();
    }
  } else {
    // An alternative may start anywhere; RE2 works out what every match shares.
    std::string min;
    std::string max;
    if (!regex.PossibleMatchRange(&min, &max, 64)) return {};
    std::size_t common = 0;
    while (common < min.size() && common < max.size() && min[common] == max[common]) ++common;
    literal = min.substr(0, common);
  }
  const std::size_t slash = literal.rfind('/');
  if (!literal.starts_with('/') || slash == std::string::npos) return {};
  return literal.substr(0, slash + 1);
}

}  // namespace apigw::util
