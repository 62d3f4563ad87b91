// Reading the settings of a filter or a handler (an inline table such as
// `{ name = "cors", allow_origins = ["*.example.com"] }`): the public reader that their config
// parsers use, so every one of them reports unknown keys with a did-you-mean hint, wrong types
// naming the key, and positions as file:line:col, the way the core sections do.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/loader.h"

namespace apigw::config {

class EntryReader {
 public:
  // `what` names the entry in messages ("the cors filter"); keys of `entry` other than "name"
  // and `known_keys` are reported at once.
  EntryReader(const toml::table& entry, std::string what, std::vector<std::string> known_keys,
              const PositionOf& position_of, std::vector<ConfigError>& errors);

  // Each returns true when the key is present and valid, and leaves `out` untouched otherwise.
  bool read_string(std::string_view key, std::string& out);
  bool read_bool(std::string_view key, bool& out);
  bool read_count(std::string_view key, std::uint32_t& out);
  bool read_duration(std::string_view key, Duration& out);   // "250ms", "5s"
  bool read_size(std::string_view key, std::uint64_t& out);  // "16KiB" or bytes
  // An array of strings, or one string taken as a one-element array.
  bool read_strings(std::string_view key, std::vector<std::string>& out);
  // A table of string values ({ "x-env" = "prod" }), by name.
  bool read_string_table(std::string_view key,
                         std::vector<std::pair<std::string, std::string>>& out);
  // One of the listed words; an unknown word is an error listing them.
  template <typename Enum>
  bool read_enum(std::string_view key,
                 std::initializer_list<std::pair<std::string_view, Enum>> words, Enum& out) {
    std::string word;
    if (!read_string(key, word)) return false;
    std::string listed;
    for (const auto& [name, value] : words) {
      if (name == word) {
        out = value;
        return true;
      }
      listed += (listed.empty() ? "" : ", ") + std::string(name);
    }
    error(key, "'" + std::string(key) + "' of " + what_ + " must be one of " + listed);
    return false;
  }

  // The node of `key` (nullptr if absent), for values with a shape of their own.
  const toml::node* find(std::string_view key) const;
  // Reports an error at `key`'s value (or at the entry when the key is absent).
  void error(std::string_view key, std::string message);
  const PositionOf& position_of() const { return position_of_; }
  // True if no error was reported since this reader was made.
  bool ok() const { return errors_.size() == errors_before_; }

 private:
  const toml::table& entry_;
  std::string what_;
  const PositionOf& position_of_;
  std::vector<ConfigError>& errors_;
  std::size_t errors_before_;
};

}  // namespace apigw::config
