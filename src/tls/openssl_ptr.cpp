#include "tls/openssl_ptr.h"

#include <openssl/err.h>

namespace apigw::tls {
namespace {

// Drains the queue oldest first; `describe` turns one packed error code into text.
template <typename Describe>
std::string drain(std::string fallback, Describe describe) {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    const std::string part = describe(code);
    // The same reason is often queued twice (once per layer that saw it).
    if (text.find(part) != std::string::npos) continue;
    text += (text.empty() ? "" : "; ") + part;
  }
  return text.empty() ? fallback : text;
}

}  // namespace

std::string take_openssl_errors(std::string fallback) {
  return drain(std::move(fallback), [](unsigned long code) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    return std::string(buffer);
  });
}

std::string take_openssl_reasons(std::string fallback) {
  return drain(std::move(fallback), [](unsigned long code) {
    const char* reason = ERR_reason_error_string(code);
    if (reason != nullptr) return std::string(reason);
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    return std::string(buffer);
  });
}

}  // namespace apigw::tls
