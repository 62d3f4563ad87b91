// APIGW__SECTION__KEY=value overrides, applied to the TOML tree before conversion so that an
// overridden value goes through the same type checks and validation as one from the file.
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "config/detail.h"

namespace apigw::config::detail {
namespace {

constexpr std::string_view kOverridePrefix = "APIGW__";

std::vector<std::string_view> split_override_name(std::string_view name) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = name.find("__", start);
    parts.push_back(name.substr(start, end == name.npos ? name.npos : end - start));
    if (end == name.npos) return parts;
    start = end + 2;
  }
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return {};
  return value;
}

// "0.5", "-2.25": digits, a point, digits (no exponent, inf or nan: an override names a ratio or
// a percentage, and text such as "1e3" is more likely meant as a string).
std::optional<double> parse_float(std::string_view text) {
  const std::string_view magnitude = text.starts_with('-') ? text.substr(1) : text;
  const std::size_t point = magnitude.find('.');
  const auto digits = [](std::string_view part) {
    return !part.empty() && part.find_first_not_of("0123456789") == std::string_view::npos;
  };
  if (point == std::string_view::npos || !digits(magnitude.substr(0, point)) ||
      !digits(magnitude.substr(point + 1))) {
    return {};
  }
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return {};
  return value;
}

std::optional<bool> parse_bool(std::string_view text) {
  const std::string lower = ascii_lower(std::string(text));
  if (lower == "true") return true;
  if (lower == "false") return false;
  return {};
}

// Environment variable names cannot hold '-' or '.', so "backend-eu" is also reachable as
// BACKEND_EU; an exact (case-insensitive) match wins over that looser one.
std::string override_name_form(std::string_view name) {
  std::string form = ascii_lower(std::string(name));
  std::replace_if(
      form.begin(), form.end(), [](char c) { return c == '-' || c == '.'; }, '_');
  return form;
}

toml::node* find_element(toml::array& array, std::string_view part) {
  const std::string wanted = ascii_lower(std::string(part));
  for (const bool loose : {false, true}) {
    for (auto& element : array) {
      const auto* table = element.as_table();
      const auto* name = table != nullptr ? table->get_as<std::string>("name") : nullptr;
      if (name == nullptr) continue;
      const std::string have = loose ? override_name_form(name->get()) : ascii_lower(name->get());
      if (have == (loose ? override_name_form(part) : wanted)) return &element;
    }
  }
  if (const auto index = parse_integer(part); index && *index >= 0) {
    return array.get(static_cast<std::size_t>(*index));
  }
  return nullptr;
}

// The override's text as the type the key already has in the file, or inferred when it is new.
std::optional<toml::node_type> override_type(const toml::node* existing) {
  if (existing == nullptr) return {};
  switch (existing->type()) {
    case toml::node_type::integer:
    case toml::node_type::boolean:
    case toml::node_type::floating_point:
    case toml::node_type::string:
      return existing->type();
    default:
      return {};  // e.g. an array of strings replaced by one string ("listen")
  }
}

class OverrideApplier {
 public:
  OverrideApplier(const std::string& variable, std::string_view value, LoadContext& ctx)
      : variable_(variable), value_(value), ctx_(ctx) {}

  void apply(toml::table& root) {
    const auto parts =
        split_override_name(std::string_view(variable_).substr(kOverridePrefix.size()));
    if (std::any_of(parts.begin(), parts.end(), [](auto part) { return part.empty(); })) {
      fail("malformed override name (use APIGW__SECTION__KEY, e.g. APIGW__SERVER__WORKERS)");
      return;
    }
    toml::node* current = &root;
    std::string shown;  // the path walked so far, for messages
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      current = step(*current, parts[i], shown);
      if (current == nullptr) return;
    }
    const std::string key = ascii_lower(std::string(parts.back()));
    if (current->is_array()) {
      fail("'" + shown + "' is an array; override a key of one of its elements instead");
    } else if (auto* table = current->as_table()) {
      set_scalar(*table, key, shown);
    } else {
      fail("'" + shown + "' is not a table, so it has no key '" + key + "'");
    }
  }

 private:
  toml::node* step(toml::node& current, std::string_view part, std::string& shown) {
    const std::string parent = shown;
    shown += (shown.empty() ? "" : ".") + ascii_lower(std::string(part));
    if (auto* table = current.as_table()) {
      const std::string key = ascii_lower(std::string(part));
      if (toml::node* next = table->get(key)) return next;
      // A missing section is created, so an override can set a key the file leaves at default.
      auto [it, inserted] = table->insert_or_assign(key, toml::table{});
      ctx_.mark_from_env(it->second, variable_);
      return &it->second;
    }
    if (auto* array = current.as_array()) {
      if (toml::node* element = find_element(*array, part)) return element;
      fail("'" + parent + "' has no element named or numbered '" + std::string(part) + "'");
      return nullptr;
    }
    fail("'" + parent + "' is not a table, so it has no key '" + ascii_lower(std::string(part)) +
         "'");
    return nullptr;
  }

  void set_scalar(toml::table& table, const std::string& key, const std::string& parent) {
    const std::string shown = parent.empty() ? key : parent + "." + key;
    const toml::node* existing = table.get(key);
    if (existing != nullptr && (existing->is_table() || existing->is_array_of_tables())) {
      fail("'" + shown + "' is " + (existing->is_table() ? "a table" : "an array of tables") +
           "; only scalar keys can be overridden");
      return;
    }
    const auto type = override_type(existing);
    auto insert = [&](auto&& value) {
      auto [it, inserted] = table.insert_or_assign(key, std::forward<decltype(value)>(value));
      ctx_.mark_from_env(it->second, variable_);
    };
    const auto as_integer = parse_integer(value_);
    const auto as_bool = parse_bool(value_);
    const auto as_float = parse_float(value_);
    if (type == toml::node_type::integer && !as_integer && as_float) {
      // "0.5" for a key the file wrote as a whole number (sample_ratio = 1): the key's own
      // converter says whether it takes a fraction.
      insert(*as_float);
    } else if (type == toml::node_type::integer || (!type && as_integer)) {
      if (!as_integer) return fail("'" + shown + "' must be an integer, not '" + value_ + "'");
      insert(*as_integer);
    } else if (type == toml::node_type::boolean || (!type && as_bool)) {
      if (!as_bool) return fail("'" + shown + "' must be true or false, not '" + value_ + "'");
      insert(*as_bool);
    } else if (type == toml::node_type::floating_point || (!type && as_float)) {
      // A key the file does not have: "0.5" is a number (a ratio, a percentage).
      const std::optional<double> number =
          as_float ? as_float
                   : (as_integer ? std::optional<double>(static_cast<double>(*as_integer))
                                 : std::nullopt);
      if (!number) return fail("'" + shown + "' must be a number, not '" + value_ + "'");
      insert(*number);
    } else {
      insert(value_);
    }
  }

  void fail(std::string message) { ctx_.error({"env:" + variable_, 0, 0}, std::move(message)); }

  const std::string& variable_;
  std::string value_;
  LoadContext& ctx_;
};

}  // namespace

void apply_env_overrides(toml::table& root, const Environment& env, LoadContext& ctx) {
  // std::map iterates in name order, so overrides apply the same way on every run.
  for (const auto& [name, value] : env.variables) {
    if (!name.starts_with(kOverridePrefix)) continue;
    OverrideApplier(name, value, ctx).apply(root);
  }
}

}  // namespace apigw::config::detail
