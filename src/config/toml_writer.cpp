#include "config/toml_writer.h"

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace apigw::config {
namespace {

constexpr int kIndentPerLevel = 4;

// TOML 1.0 bare keys: A-Za-z0-9_- and nothing else (not empty).
bool is_bare_key(std::string_view key) {
  if (key.empty()) return false;
  for (const char c : key) {
    const bool bare = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-';
    if (!bare) return false;
  }
  return true;
}

void write_key(std::ostream& out, std::string_view key) {
  if (is_bare_key(key)) {
    out << key;
  } else {
    // As a string value toml++ always quotes: literal '...' or, when the key holds ' or a control
    // character, a basic "..." string with escapes.
    out << toml::value<std::string>(std::string(key));
  }
}

bool is_array_of_tables(const toml::node& node) {
  const auto* array = node.as_array();
  return array != nullptr && array->is_array_of_tables();
}

void write_inline(std::ostream& out, const toml::node& node) {
  if (const auto* table = node.as_table()) {
    if (table->empty()) {
      out << "{}";
      return;
    }
    out << "{ ";
    bool first = true;
    for (const auto& [key, value] : *table) {
      if (!first) out << ", ";
      first = false;
      write_key(out, key.str());
      out << " = ";
      write_inline(out, value);
    }
    out << " }";
  } else if (const auto* array = node.as_array()) {
    if (array->empty()) {
      out << "[]";
      return;
    }
    out << "[ ";
    bool first = true;
    for (const auto& element : *array) {
      if (!first) out << ", ";
      first = false;
      write_inline(out, element);
    }
    out << " ]";
  } else {
    node.visit([&](const auto& leaf) { out << leaf; });
  }
}

class DocumentWriter {
 public:
  explicit DocumentWriter(std::ostream& out) : out_(out) {}

  void write_table(const toml::table& table, int level) {
    const std::string indent(static_cast<std::size_t>(level > 0 ? level - 1 : 0) * kIndentPerLevel,
                             ' ');
    for (const auto& [key, value] : table) {
      if (value.is_table() || is_array_of_tables(value)) continue;
      begin_line();
      out_ << indent;
      write_key(out_, key.str());
      out_ << " = ";
      write_inline(out_, value);
    }
    for (const auto& [key, value] : table) {
      if (!value.is_table()) continue;
      path_.push_back(std::string(key.str()));
      write_header(level, "[", "]");
      write_table(*value.as_table(), level + 1);
      path_.pop_back();
    }
    for (const auto& [key, value] : table) {
      if (!is_array_of_tables(value)) continue;
      path_.push_back(std::string(key.str()));
      for (const auto& element : *value.as_array()) {
        write_header(level, "[[", "]]");
        write_table(*element.as_table(), level + 1);
      }
      path_.pop_back();
    }
  }

 private:
  // One value per line; a header gets a blank line before it unless it opens the document.
  void begin_line() {
    if (started_) out_ << '\n';
    started_ = true;
  }

  void write_header(int level, std::string_view open, std::string_view close) {
    if (started_) out_ << "\n\n";
    started_ = true;
    out_ << std::string(static_cast<std::size_t>(level) * kIndentPerLevel, ' ') << open;
    for (std::size_t i = 0; i < path_.size(); ++i) {
      if (i > 0) out_ << '.';
      write_key(out_, path_[i]);
    }
    out_ << close;
  }

  std::ostream& out_;
  std::vector<std::string> path_;
  bool started_ = false;
};

}  // namespace

void write_toml(std::ostream& out, const toml::table& root) {
  DocumentWriter(out).write_table(root, 0);
}

}  // namespace apigw::config
