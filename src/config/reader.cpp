#include "config/reader.h"

#include <toml++/toml.h>

#include <algorithm>
#include <limits>

#include "config/detail.h"

namespace apigw::config {
namespace detail {
namespace {

constexpr std::string_view kDurationExample = "(use e.g. \"250ms\", \"5s\")";
constexpr std::string_view kSizeExample = "(use e.g. \"512KiB\", \"4MiB\" or a number of bytes)";

std::string quoted(std::string_view key) { return "'" + std::string(key) + "'"; }

bool is_index(std::string_view part) {
  return !part.empty() &&
         std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string describe_table(std::string_view path) {
  if (path.empty()) return "at the top level";
  // Array indexes are dropped: users wrote [[upstreams]], not upstreams.2.
  std::string name;
  bool element = false;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('.', start), path.size());
    const std::string_view part = path.substr(start, end - start);
    element = is_index(part);
    if (!element) name += (name.empty() ? "" : ".") + std::string(part);
    start = end + 1;
  }
  return element ? "in [[" + name + "]]" : "in [" + name + "]";
}

}  // namespace detail

using detail::describe_table;
using detail::did_you_mean;
using detail::kDurationExample;
using detail::kSizeExample;
using detail::quoted;

TableReader::TableReader(const toml::table& table, std::string path,
                         std::vector<std::string> known_keys, detail::LoadContext& ctx)
    : TableReader(table, std::move(path), ctx) {
  this->known_keys(std::move(known_keys));
}

TableReader::TableReader(const toml::table& table, std::string path, detail::LoadContext& ctx,
                         std::vector<std::string> implicit)
    : table_(table),
      path_(std::move(path)),
      implicit_keys_(std::move(implicit)),
      ctx_(ctx),
      errors_before_(ctx.errors().size()) {}

void TableReader::known_keys(std::vector<std::string> keys) {
  for (const auto& [key, value] : table_) {
    const std::string_view name = key.str();
    if (std::find(keys.begin(), keys.end(), name) != keys.end()) continue;
    if (std::find(implicit_keys_.begin(), implicit_keys_.end(), name) != implicit_keys_.end()) {
      continue;
    }
    ctx_.error(ctx_.position_of(key, value), "unknown key " + quoted(name) + " " +
                                                 describe_table(path_) + did_you_mean(name, keys));
  }
}

SourcePosition TableReader::position() const { return ctx_.position_of(table_); }

SourcePosition TableReader::position_of(const toml::node& node) const {
  return ctx_.position_of(node);
}

void TableReader::error(std::string_view key, std::string message) {
  const toml::node* node = table_.get(key);
  ctx_.error(node != nullptr ? ctx_.position_of(*node) : position(), std::move(message));
}

void TableReader::error_at(const toml::node& node, std::string message) {
  ctx_.error(node, std::move(message));
}

bool TableReader::ok() const { return ctx_.errors().size() == errors_before_; }

bool TableReader::read_string_table(std::string_view key,
                                    std::vector<std::pair<std::string, std::string>>& out) {
  const toml::table* table = read_table(key);
  if (table == nullptr) return false;
  std::vector<std::pair<std::string, std::string>> values;
  bool valid = true;
  for (const auto& [name, value] : *table) {
    if (const auto* text = value.as_string()) {
      values.emplace_back(std::string(name.str()), text->get());
    } else {
      ctx_.error(value,
                 quoted(std::string(key) + "." + std::string(name.str())) + " must be a string");
      valid = false;
    }
  }
  if (valid) out = std::move(values);
  return valid;
}

std::string TableReader::path_of(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const toml::node* TableReader::find(std::string_view key, Presence presence) {
  const toml::node* node = table_.get(key);
  if (node == nullptr) {
    if (presence == Presence::required) {
      ctx_.error(position(), "missing required key " + quoted(key) + " " + describe_table(path_));
    }
    return nullptr;
  }
  ctx_.positions().record(path_of(key), ctx_.position_of(*node));
  return node;
}

bool TableReader::read_string(std::string_view key, std::string& out, Presence presence) {
  const toml::node* node = find(key, presence);
  if (node == nullptr) return false;
  if (const auto* text = node->as_string()) {
    // A required string is a name or a reference: empty would pass every other check and then
    // name nothing.
    if (presence == Presence::required && text->get().empty()) {
      ctx_.error(*node, quoted(key) + " must not be empty");
      return false;
    }
    out = text->get();
    return true;
  }
  ctx_.error(*node, quoted(key) + " must be a string");
  return false;
}

bool TableReader::read_bool(std::string_view key, bool& out) {
  const toml::node* node = find(key);
  if (node == nullptr) return false;
  if (const auto* flag = node->as_boolean()) {
    out = flag->get();
    return true;
  }
  ctx_.error(*node, quoted(key) + " must be true or false");
  return false;
}

bool TableReader::read_count(std::string_view key, std::uint32_t& out) {
  const toml::node* node = find(key);
  if (node == nullptr) return false;
  const auto* number = node->as_integer();
  if (number == nullptr) {
    ctx_.error(*node, quoted(key) + " must be an integer");
    return false;
  }
  if (number->get() < 0) {
    ctx_.error(*node, quoted(key) + " must not be negative");
    return false;
  }
  if (number->get() > std::numeric_limits<std::uint32_t>::max()) {
    ctx_.error(*node, quoted(key) + " is too large");
    return false;
  }
  out = static_cast<std::uint32_t>(number->get());
  return true;
}

bool TableReader::read_size(std::string_view key, std::uint64_t& out) {
  const toml::node* node = find(key);
  if (node == nullptr) return false;
  if (const auto* number = node->as_integer()) {
    if (number->get() < 0) {
      ctx_.error(*node, quoted(key) + " must not be negative");
      return false;
    }
    out = static_cast<std::uint64_t>(number->get());
    return true;
  }
  if (const auto* text = node->as_string()) {
    if (const auto size = parse_size(text->get())) {
      out = *size;
      return true;
    }
    ctx_.error(*node, "invalid size '" + text->get() + "' for " + quoted(key) + " " +
                          std::string(kSizeExample));
    return false;
  }
  ctx_.error(*node, quoted(key) + " must be a size " + std::string(kSizeExample));
  return false;
}

bool TableReader::read_duration(std::string_view key, Duration& out) {
  const toml::node* node = find(key);
  if (node == nullptr) return false;
  if (const auto* text = node->as_string()) {
    if (const auto duration = parse_duration(text->get())) {
      out = *duration;
      return true;
    }
    ctx_.error(*node, "invalid duration '" + text->get() + "' for " + quoted(key) + " " +
                          std::string(kDurationExample));
    return false;
  }
  if (node->is_number()) {
    ctx_.error(*node, quoted(key) + " needs a unit " + std::string(kDurationExample));
    return false;
  }
  ctx_.error(*node, quoted(key) + " must be a duration " + std::string(kDurationExample));
  return false;
}

bool TableReader::read_strings(std::string_view key, std::vector<std::string>& out) {
  const toml::node* node = find(key);
  if (node == nullptr) return false;
  if (const auto* text = node->as_string()) {
    ctx_.positions().record(path_of(key) + ".0", ctx_.position_of(*node));
    out = {text->get()};
    return true;
  }
  const auto* array = node->as_array();
  if (array == nullptr) {
    ctx_.error(*node, quoted(key) + " must be a string or an array of strings");
    return false;
  }
  std::vector<std::string> values;
  bool ok = true;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    if (const auto* text = element.as_string()) {
      ctx_.positions().record(path_of(key) + "." + std::to_string(i), ctx_.position_of(element));
      values.push_back(text->get());
    } else {
      ctx_.error(element, "each element of " + quoted(key) + " must be a string");
      ok = false;
    }
  }
  if (ok) out = std::move(values);
  return ok;
}

const toml::table* TableReader::read_table(std::string_view key) {
  const toml::node* node = find(key);
  if (node == nullptr) return nullptr;
  if (const auto* table = node->as_table()) return table;
  ctx_.error(*node, quoted(key) + " must be a table");
  return nullptr;
}

namespace detail {

void for_each_table(const toml::node& node, std::string_view key, const std::string& path,
                    LoadContext& ctx,
                    const std::function<void(const toml::table&, const std::string&)>& visit) {
  const auto* array = node.as_array();
  if (array == nullptr) {
    ctx.error(node, quoted(key) + " must be an array of tables");
    return;
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    const std::string element_path = path + "." + std::to_string(i);
    if (const auto* table = element.as_table()) {
      ctx.positions().record(element_path, ctx.position_of(element));
      visit(*table, element_path);
    } else {
      ctx.error(element, "each element of " + quoted(key) + " must be a table");
    }
  }
}

}  // namespace detail
}  // namespace apigw::config
