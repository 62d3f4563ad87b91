#include "config/yaml_writer.h"

#include <charconv>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace apigw::config {
namespace {

using Lines = std::vector<std::string>;

// Words some YAML reader takes for a boolean or null when plain (YAML 1.1 included).
bool is_reserved_word(std::string_view key) {
  std::string lower(key);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const std::string_view word :
       {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}) {
    if (lower == word) return true;
  }
  return false;
}

// A key written plain: starts with a letter or '_', then letters, digits, '_' and '-' (what TOML
// allows bare, minus what would start like a number), and is no reserved word.
bool is_plain_key(std::string_view key) {
  if (key.empty() || is_reserved_word(key)) return false;
  const auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (!letter(key[0])) return false;
  for (const char c : key) {
    if (!letter(c) && !(c >= '0' && c <= '9') && c != '-') return false;
  }
  return true;
}

// A YAML double-quoted scalar: the escapes YAML shares with JSON; other bytes (UTF-8) as they are.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
          out += escaped;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string key_text(std::string_view key) {
  return is_plain_key(key) ? std::string(key) : quoted(key);
}

std::string float_text(double value) {
  if (std::isnan(value)) return ".nan";
  if (std::isinf(value)) return value < 0 ? "-.inf" : ".inf";
  char digits[64];
  const auto written = std::to_chars(digits, digits + sizeof digits, value);
  std::string text(digits, written.ptr);
  // A float stays a float when read back: 3 -> 3.0 (an exponent or a point already says so).
  if (text.find_first_of(".en") == std::string::npos) text += ".0";
  return text;
}

bool is_scalar_array(const toml::array& array) {
  for (const auto& element : array) {
    if (element.is_table() || element.is_array()) return false;
  }
  return true;
}

std::string scalar_text(const toml::node& node) {
  if (const auto* text = node.as_string()) return quoted(text->get());
  if (const auto* integer = node.as_integer()) return std::to_string(integer->get());
  if (const auto* number = node.as_floating_point()) return float_text(number->get());
  if (const auto* boolean = node.as_boolean()) return boolean->get() ? "true" : "false";
  // Dates and times (no setting of apigw's is one): their TOML text, as a string.
  std::string text;
  node.visit([&](const auto& leaf) {
    std::ostringstream out;
    out << leaf;
    text = out.str();
  });
  return quoted(text);
}

// A value that fits on its key's line: a scalar, an empty table or array, an array of scalars.
bool is_inline(const toml::node& node) {
  if (const auto* table = node.as_table()) return table->empty();
  if (const auto* array = node.as_array()) return array->empty() || is_scalar_array(*array);
  return true;
}

std::string inline_text(const toml::node& node) {
  if (node.is_table()) return "{}";
  if (const auto* array = node.as_array()) {
    std::string out = "[";
    bool first = true;
    for (const auto& element : *array) {
      if (!first) out += ", ";
      first = false;
      out += scalar_text(element);
    }
    return out + "]";
  }
  return scalar_text(node);
}

Lines table_lines(const toml::table& table);

// A block sequence: "- " before each element; an element's further lines indented under it.
Lines sequence_lines(const toml::array& array) {
  Lines lines;
  for (const auto& element : array) {
    if (is_inline(element)) {
      lines.push_back("- " + inline_text(element));
      continue;
    }
    const Lines inner = element.is_table() ? table_lines(*element.as_table())
                                           : sequence_lines(*element.as_array());
    lines.push_back("- " + inner.front());
    for (std::size_t i = 1; i < inner.size(); ++i) lines.push_back("  " + inner[i]);
  }
  return lines;
}

Lines table_lines(const toml::table& table) {
  Lines lines;
  for (const auto& [key, value] : table) {
    const std::string name = key_text(key.str());
    if (is_inline(value)) {
      lines.push_back(name + ": " + inline_text(value));
      continue;
    }
    lines.push_back(name + ":");
    const Lines inner =
        value.is_table() ? table_lines(*value.as_table()) : sequence_lines(*value.as_array());
    for (const std::string& line : inner) lines.push_back("  " + line);
  }
  return lines;
}

}  // namespace

void write_yaml(std::ostream& out, const toml::table& root) {
  bool first = true;
  for (const auto& [key, value] : root) {
    toml::table one;
    one.insert(key.str(), value);
    // A blank line before each section, as a TOML file has before each header.
    if (!first && !is_inline(value)) out << '\n';
    first = false;
    for (const std::string& line : table_lines(one)) out << line << '\n';
  }
}

}  // namespace apigw::config
