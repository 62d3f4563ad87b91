// HTTP for the admin listener: keep-alive connections, requests with a bounded body, JSON
// responses in the gateway's one error format (with a "details" list for validation errors).
#pragma once

#include <boost/json/fwd.hpp>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/loader.h"
#include "server/asio.h"

namespace apigw::admin {

struct AdminRequest {
  std::string method;                                        // as sent: "GET", "PATCH"
  std::string path;                                          // percent-decoded, without the query
  std::vector<std::pair<std::string, std::string>> query;    // decoded name/value pairs
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  bool keep_alive = false;  // the client allows another request on this connection

  std::string_view header(std::string_view name) const;
  std::optional<std::string> param(std::string_view name) const;
};

struct AdminResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// One problem in a rejected write: which entity ("routes/r"; empty for the request itself),
// which field in it ("match.path_prefix"), and what is wrong.
struct ErrorDetail {
  std::string entity;
  std::string field;
  std::string message;
};

// Config errors as details: the entity (or "file:line") and the field path.
std::vector<ErrorDetail> details_of(const std::vector<config::ConfigError>& errors);

inline constexpr std::size_t kMaxAdminBody = 8 << 20;  // an import of a large config fits

// What was read from an admin connection and not consumed yet: with keep-alive (or pipelining)
// the next request may already be in it.
struct AdminInput {
  std::string buffer = std::string(16 * 1024, '\0');
  std::size_t filled = 0;
};

// Reads one request. `check_head` sees it before its body is read (its answer, if any, refuses the
// request, so an unauthorized client never gets a body buffered). On a malformed, oversized or
// refused request returns nullopt with `refusal` set to the response to send.
server::awaitable<std::optional<AdminRequest>> read_admin_request(
    server::tcp_socket& socket, AdminInput& input, AdminResponse& refusal,
    const std::function<std::optional<AdminResponse>(const AdminRequest&)>& check_head);
// The response on the wire; without keep_alive it says "Connection: close".
std::string serialize_response(const AdminResponse& response, bool keep_alive = false);

AdminResponse json_response(int status, const boost::json::value& body);

// `text` fit for one path segment or query value of a link the API answers with (Location,
// "next"): unreserved characters and ':' as they are, the rest %XX.
std::string percent_encode(std::string_view text);
AdminResponse error_response(int status, std::string_view code, std::string_view message,
                             const std::vector<ErrorDetail>& details = {});

}  // namespace apigw::admin
