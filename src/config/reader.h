// Reading one TOML table of the schema: unknown keys become errors (with a did-you-mean hint),
// wrong types become errors naming the key, and every value read has its position recorded for
// validation. Internal to config/.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config/detail.h"

namespace toml {
inline namespace v3 {
class array;
}  // namespace v3
}  // namespace toml

namespace apigw::config::detail {

enum class Presence { optional, required };

class TableReader {
 public:
  // `path` is the dotted path of the table: "" for the root, "upstreams.0.keepalive". Keys of
  // `table` not in `known_keys` are reported at once.
  TableReader(const toml::table& table, std::string path, std::vector<std::string> known_keys,
              LoadContext& ctx);

  SourcePosition position() const;
  std::string path_of(std::string_view key) const;
  LoadContext& context() { return ctx_; }

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

 private:
  void report_unknown_keys();

  const toml::table& table_;
  std::string path_;
  std::vector<std::string> known_keys_;
  LoadContext& ctx_;
};

// "in [server.limits]", "in [[upstreams]]" or "at the top level", for messages about a table.
std::string describe_table(std::string_view path);

// Calls `visit` for each table of an array of tables (`[[routes]]` or `[{...}, {...}]`),
// reporting the node itself or elements that are not tables. `path` is the array's dotted path;
// `visit` gets each element's path ("routes.3").
void for_each_table(const toml::node& node, std::string_view key, const std::string& path,
                    LoadContext& ctx,
                    const std::function<void(const toml::table&, const std::string&)>& visit);

}  // namespace apigw::config::detail
