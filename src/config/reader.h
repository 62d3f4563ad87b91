// Reading one TOML table of the config: unknown keys become errors (with a did-you-mean hint),
// wrong types become errors naming the key, and every value read has its position recorded for
// validation. The one reader of the core sections and of every filter's and handler's settings
// (their parsers get a TableReader for their entry from the loader).
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "config/loader.h"

namespace toml {
inline namespace v3 {
class array;
}  // namespace v3
}  // namespace toml

namespace apigw::config {

namespace detail {
class LoadContext;
}  // namespace detail

enum class Presence { optional, required };

class TableReader {
 public:
  // `path` is the dotted path of the table: "" for the root, "upstreams.0.keepalive". Keys of
  // `table` not in `known_keys` are reported at once.
  TableReader(const toml::table& table, std::string path, std::vector<std::string> known_keys,
              detail::LoadContext& ctx);
  // A reader whose keys its user names later with known_keys() (a filter's or handler's entry:
  // the loader makes the reader, the filter's parser knows the keys). `implicit` keys ("name")
  // are allowed besides them.
  TableReader(const toml::table& table, std::string path, detail::LoadContext& ctx,
              std::vector<std::string> implicit = {});
  // Reports the keys of the table that are neither these nor the implicit ones.
  void known_keys(std::vector<std::string> keys);

  SourcePosition position() const;
  SourcePosition position_of(const toml::node& node) const;
  std::string path_of(std::string_view key) const;
  detail::LoadContext& context() { return ctx_; }
  const toml::table& table() const { return table_; }

  // Reports `message` at `key`'s value, or at the table when the key is absent.
  void error(std::string_view key, std::string message);
  void error_at(const toml::node& node, std::string message);
  // No error was reported through this reader, or elsewhere, since it was made.
  bool ok() const;

  // The value of `key` or nullptr; reports a missing required key at the table's position.
  const toml::node* find(std::string_view key, Presence presence = Presence::optional);

  // Each returns true when the key is present and valid, and leaves `out` untouched otherwise.
  bool read_string(std::string_view key, std::string& out, Presence presence = Presence::optional);
  bool read_bool(std::string_view key, bool& out);
  bool read_count(std::string_view key, std::uint32_t& out);
  // A size string ("16KiB") or an integer number of bytes.
  bool read_size(std::string_view key, std::uint64_t& out);
  // A duration string with a unit; bare numbers are refused so "30" is never ambiguous.
  bool read_duration(std::string_view key, Duration& out);
  // An array of strings, or a single string taken as a one-element array.
  bool read_strings(std::string_view key, std::vector<std::string>& out);
  const toml::table* read_table(std::string_view key);
  // A table of string values ({ "x-env" = "prod" }), by name.
  bool read_string_table(std::string_view key,
                         std::vector<std::pair<std::string, std::string>>& out);
  // One of the listed words; another word is an error listing them.
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
    error(key, "'" + std::string(key) + "' must be one of " + listed + ", not '" + word + "'");
    return false;
  }

 private:
  const toml::table& table_;
  std::string path_;
  std::vector<std::string> implicit_keys_;
  detail::LoadContext& ctx_;
  std::size_t errors_before_;
};

// A table whose keys map one to one onto members of T: the list of keys and the reads in one
// place. The member's type says how the value is read: std::uint32_t a count, std::uint64_t a
// size, Duration a duration, bool, std::string.
template <typename T>
struct Field {
  std::string_view key;
  std::variant<std::uint32_t T::*, std::uint64_t T::*, Duration T::*, bool T::*, std::string T::*>
      member;
};

template <typename T>
class FieldTable {
 public:
  FieldTable(std::initializer_list<Field<T>> fields) : fields_(fields) {}

  // The fields' keys, plus `others` that the caller reads itself.
  std::vector<std::string> keys(std::initializer_list<std::string_view> others = {}) const {
    std::vector<std::string> all(others.begin(), others.end());
    for (const auto& field : fields_) all.emplace_back(field.key);
    return all;
  }

  void read(TableReader& reader, T& out) const {
    for (const auto& field : fields_) {
      std::visit(
          [&](auto member) {
            using Value = std::remove_reference_t<decltype(out.*member)>;
            if constexpr (std::is_same_v<Value, std::uint32_t>) {
              reader.read_count(field.key, out.*member);
            } else if constexpr (std::is_same_v<Value, std::uint64_t>) {
              reader.read_size(field.key, out.*member);
            } else if constexpr (std::is_same_v<Value, Duration>) {
              reader.read_duration(field.key, out.*member);
            } else if constexpr (std::is_same_v<Value, bool>) {
              reader.read_bool(field.key, out.*member);
            } else {
              reader.read_string(field.key, out.*member);
            }
          },
          field.member);
    }
  }

 private:
  std::vector<Field<T>> fields_;
};

namespace detail {

// "in [server.limits]", "in [[upstreams]]" or "at the top level", for messages about a table.
std::string describe_table(std::string_view path);

// Reads whichever of `keys` are present into `value`; returns how many were, so callers can
// insist on "exactly one" or "at most one" with a message that lists the choices.
template <typename Kind>
int read_one_of(TableReader& reader, std::initializer_list<std::pair<const char*, Kind>> keys,
                Kind& kind, std::string& value) {
  int found = 0;
  for (const auto& [key, key_kind] : keys) {
    if (reader.read_string(key, value)) {
      kind = key_kind;
      ++found;
    }
  }
  return found;
}

// Calls `visit` for each table of an array of tables (`[[routes]]` or `[{...}, {...}]`),
// reporting the node itself or elements that are not tables. `path` is the array's dotted path;
// `visit` gets each element's path ("routes.3").
void for_each_table(const toml::node& node, std::string_view key, const std::string& path,
                    LoadContext& ctx,
                    const std::function<void(const toml::table&, const std::string&)>& visit);

}  // namespace detail
}  // namespace apigw::config
