// The one JSON error body every response made by the gateway itself uses:
// {"error":{"status":429,"code":"rate_limited","message":"...","request_id":"..."}}
#pragma once

#include <string>
#include <string_view>

namespace apigw::http {

// Appends `text` to `out` as the inside of a JSON string (quotes not included).
void append_json_escaped(std::string& out, std::string_view text);

// Appends the error body to `out`.
void append_error_body(std::string& out, int status, std::string_view code,
                       std::string_view message, std::string_view request_id);

// Reason phrase for a status code ("Not Found"); "Unknown" for codes we do not name.
std::string_view reason_phrase(int status);

}  // namespace apigw::http
