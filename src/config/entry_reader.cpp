#include "config/entry_reader.h"

#include <toml++/toml.h>

#include <algorithm>
#include <limits>

#include "config/detail.h"

namespace apigw::config {

EntryReader::EntryReader(const toml::table& entry, std::string what,
                         std::vector<std::string> known_keys, const PositionOf& position_of,
                         std::vector<ConfigError>& errors)
    : entry_(entry),
      what_(std::move(what)),
      position_of_(position_of),
      errors_(errors),
      errors_before_(errors.size()) {
  for (const auto& [key, value] : entry_) {
    const std::string_view name = key.str();
    if (name == "name") continue;
    if (std::find(known_keys.begin(), known_keys.end(), name) != known_keys.end()) continue;
    errors_.push_back({position_of_(value), "unknown key '" + std::string(name) + "' in " + what_ +
                                                detail::did_you_mean(name, known_keys)});
  }
}

const toml::node* EntryReader::find(std::string_view key) const { return entry_.get(key); }

void EntryReader::error(std::string_view key, std::string message) {
  const toml::node* node = find(key);
  errors_.push_back(
      {node != nullptr ? position_of_(*node) : position_of_(entry_), std::move(message)});
}

bool EntryReader::read_string(std::string_view key, std::string& out) {
  const toml::node* node = find(key);
  if (node == nullptr) return false;
  const auto* text = node->as_string();
  if (text == nullptr) {
    error(key, "'" + std::string(key) + "' of " + what_ + " must be a string");
    return false;
  }
  out = text->get();
  return true;
}

bool EntryReader::read_bool(std::string_view key, bool& out) {
  const toml::node* node = find(key);
  if (node == nullptr) return false;
  const auto* flag = node->as_boolean();
  if (flag == nullptr) {
    error(key, "'" + std::string(key) + "' of " + what_ + " must be true or false");
    return false;
  }
  out = flag->get();
  return true;
}

bool EntryReader::read_count(std::string_view key, std::uint32_t& out) {
  const toml::node* node = find(key);
  if (node == nullptr) return false;
  const auto* number = node->as_integer();
  if (number == nullptr || number->get() < 0 ||
      number->get() > std::numeric_limits<std::uint32_t>::max()) {
    error(key, "'" + std::string(key) + "' of " + what_ + " must be a non-negative integer");
    return false;
  }
  out = static_cast<std::uint32_t>(number->get());
  return true;
}

bool EntryReader::read_duration(std::string_view key, Duration& out) {
  std::string text;
  if (find(key) != nullptr && find(key)->as_string() == nullptr) {
    error(key, "'" + std::string(key) + "' of " + what_ +
                   " must be a duration with a unit (e.g. \"250ms\", \"5s\")");
    return false;
  }
  if (!read_string(key, text)) return false;
  const auto duration = parse_duration(text);
  if (!duration) {
    error(key, "invalid duration '" + text + "' for '" + std::string(key) +
                   "' (use e.g. \"250ms\", \"5s\")");
    return false;
  }
  out = *duration;
  return true;
}

bool EntryReader::read_size(std::string_view key, std::uint64_t& out) {
  const toml::node* node = find(key);
  if (node == nullptr) return false;
  if (const auto* number = node->as_integer(); number != nullptr && number->get() >= 0) {
    out = static_cast<std::uint64_t>(number->get());
    return true;
  }
  const auto* text = node->as_string();
  const auto size = text != nullptr ? parse_size(text->get()) : std::nullopt;
  if (!size) {
    error(key, "'" + std::string(key) + "' of " + what_ +
                   " must be a size (e.g. \"512KiB\", \"4MiB\" or a number of bytes)");
    return false;
  }
  out = *size;
  return true;
}

bool EntryReader::read_strings(std::string_view key, std::vector<std::string>& out) {
  const toml::node* node = find(key);
  if (node == nullptr) return false;
  if (const auto* text = node->as_string()) {
    out = {text->get()};
    return true;
  }
  const auto* array = node->as_array();
  std::vector<std::string> values;
  bool valid = array != nullptr;
  if (array != nullptr) {
    for (const auto& element : *array) {
      const auto* text = element.as_string();
      if (text == nullptr) {
        valid = false;
        break;
      }
      values.push_back(text->get());
    }
  }
  if (!valid) {
    error(key, "'" + std::string(key) + "' of " + what_ + " must be an array of strings");
    return false;
  }
  out = std::move(values);
  return true;
}

bool EntryReader::read_string_table(std::string_view key,
                                    std::vector<std::pair<std::string, std::string>>& out) {
  const toml::node* node = find(key);
  if (node == nullptr) return false;
  const auto* table = node->as_table();
  if (table == nullptr) {
    error(key, "'" + std::string(key) + "' of " + what_ + " must be a table of strings");
    return false;
  }
  std::vector<std::pair<std::string, std::string>> values;
  for (const auto& [name, value] : *table) {
    const auto* text = value.as_string();
    if (text == nullptr) {
      errors_.push_back({position_of_(value), "'" + std::string(key) + "." +
                                                  std::string(name.str()) + "' of " + what_ +
                                                  " must be a string"});
      return false;
    }
    values.emplace_back(std::string(name.str()), text->get());
  }
  out = std::move(values);
  return true;
}

}  // namespace apigw::config
