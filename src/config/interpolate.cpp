// "${VAR}" and "${VAR:-default}" in config strings, so that secrets and per-host values can stay
// out of the file. The syntax follows the shell's, which is what operators already know.
#include <string>
#include <string_view>

#include "config/detail.h"

namespace apigw::config::detail {
namespace {

bool is_variable_name(std::string_view name) {
  if (name.empty() || (name.front() >= '0' && name.front() <= '9')) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool interpolate(std::string_view text, const Environment& env, std::string& out,
                 std::string& error) {
  out.clear();
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.substr(i, 3) == "$${") {
      out += "${";
      i += 3;
      continue;
    }
    if (text.substr(i, 2) != "${") {
      out += text[i++];
      continue;
    }
    const std::size_t close = text.find('}', i + 2);
    if (close == text.npos) {
      error =
          "unterminated '${' in \"" + std::string(text) + "\" (write \"$${\" for a literal \"${\")";
      return false;
    }
    const std::string_view inner = text.substr(i + 2, close - i - 2);
    const std::size_t separator = inner.find(":-");
    const std::string_view name = inner.substr(0, separator);
    if (!is_variable_name(name)) {
      error = "invalid variable name '" + std::string(name) + "' in \"" + std::string(text) + "\"";
      return false;
    }
    const auto found = env.variables.find(std::string(name));
    if (separator != inner.npos) {
      // As in the shell, ":-" also replaces a variable that is set but empty.
      const bool use_value = found != env.variables.end() && !found->second.empty();
      out += use_value ? std::string_view(found->second) : inner.substr(separator + 2);
    } else if (found != env.variables.end()) {
      out += found->second;
    } else {
      error = "environment variable '" + std::string(name) + "' is not set (use ${" +
              std::string(name) + ":-default} to give a default)";
      return false;
    }
    i = close + 1;
  }
  return true;
}

}  // namespace apigw::config::detail
