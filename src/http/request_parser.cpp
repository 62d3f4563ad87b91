// Request heads: request line, target forms, Host and framing. Field lines are shared with the
// response parser (head_lines.h) so both directions refuse exactly the same input.
#include <algorithm>
#include <string_view>

#include "http/head_lines.h"
#include "http/parser.h"

namespace apigw::http {
namespace {

using detail::is_token_char;

// RFC 9112 §2.2 lets a server skip empty lines before the request line (clients that send an extra
// CRLF after a POST body); a handful is generous, more is garbage.
constexpr int kMaxLeadingEmptyLines = 4;

ParseResult fail(int status, std::string_view code, std::string_view message) {
  return ParseResult{ParseStatus::error, ParseError{status, code, message}};
}
ParseResult bad_request(std::string_view message) { return fail(400, "bad_request", message); }
ParseResult uri_too_long() {
  return fail(414, "uri_too_long", "request target exceeds the configured limit");
}
ParseResult header_too_large(std::string_view message) {
  return fail(431, "request_header_fields_too_large", message);
}
ParseResult ok() { return ParseResult{ParseStatus::complete, {}}; }
ParseResult incomplete() { return ParseResult{ParseStatus::incomplete, {}}; }

// Printable ASCII only. '#' is refused as well: a fragment never belongs in a request, and a
// backend that cuts the path at '#' would route "/admin#/public" differently than we do.
bool is_target_char(char c) { return c > 0x20 && c < 0x7f && c != '#'; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_hex_digit(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Host names as DNS and virtual hosting know them; RFC 3986 would allow sub-delims and escapes
// too, but those only serve to make two components disagree about which host was meant.
bool is_host_name_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

}  // namespace

// uri-host [ ":" port ], where uri-host is a name or an "[IPv6]" literal.
bool is_valid_authority(std::string_view text, bool require_port) {
  std::size_t i = 0;
  if (!text.empty() && text[0] == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    for (i = 1; i < close; ++i) {
      if (!is_hex_digit(text[i]) && text[i] != ':' && text[i] != '.') return false;
    }
    i = close + 1;
  } else {
    while (i < text.size() && is_host_name_char(text[i])) ++i;
    if (i == 0) return false;
  }
  if (i == text.size()) return !require_port;
  if (text[i] != ':') return false;
  const std::string_view port = text.substr(i + 1);
  if (port.size() > 5 || (require_port && port.empty())) return false;
  for (char c : port) {
    if (!is_digit(c)) return false;
  }
  return true;
}

namespace {

bool starts_with_icase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

void split_path_and_query(std::string_view path_and_query, RequestHead& out) {
  const std::size_t question = path_and_query.find('?');
  out.path = path_and_query.substr(0, question);
  if (question != std::string_view::npos) {
    out.has_query = true;
    out.query = path_and_query.substr(question + 1);
  }
  if (out.path.empty()) out.path = "/";  // "http://host?x" names the root
}

// Sets path and query from the target; for absolute-form also the host (RFC 9112 §3.2.2: the
// target's authority wins over the Host field).
ParseResult parse_target(RequestHead& out) {
  const std::string_view target = out.target;
  if (out.method == Method::connect) {
    if (!is_valid_authority(target, /*require_port=*/true)) {
      return bad_request("CONNECT requires an authority-form target");
    }
    return ok();
  }
  if (target[0] == '/') {
    split_path_and_query(target, out);
    return ok();
  }
  if (target == "*") {
    if (out.method != Method::options) return bad_request("'*' target is only valid for OPTIONS");
    out.path = target;
    return ok();
  }
  std::size_t scheme_end = 0;
  if (starts_with_icase(target, "http://")) {
    scheme_end = 7;
  } else if (starts_with_icase(target, "https://")) {
    scheme_end = 8;
  } else {
    return bad_request("invalid request target");
  }
  const std::string_view rest = target.substr(scheme_end);
  const std::size_t authority_end = std::min(rest.find_first_of("/?"), rest.size());
  const std::string_view authority = rest.substr(0, authority_end);
  if (!is_valid_authority(authority, /*require_port=*/false)) {
    return bad_request("invalid authority in request target");
  }
  out.host = authority;
  split_path_and_query(rest.substr(authority_end), out);
  return ok();
}

// `line` excludes the CRLF.
ParseResult parse_request_line(std::string_view line, const HeadLimits& limits, RequestHead& out) {
  std::size_t i = 0;
  while (i < line.size() && is_token_char(line[i])) ++i;
  if (i == 0 || i == line.size() || line[i] != ' ') return bad_request("malformed request line");
  out.method_text = line.substr(0, i);
  out.method = parse_method(out.method_text);

  const std::size_t target_start = i + 1;
  std::size_t j = target_start;
  while (j < line.size() && is_target_char(line[j])) ++j;
  out.target = line.substr(target_start, j - target_start);
  if (out.target.size() > limits.max_uri_bytes) return uri_too_long();
  if (j < line.size() && line[j] != ' ') return bad_request("invalid character in request target");
  if (out.target.empty() || j == line.size()) return bad_request("malformed request line");

  switch (detail::check_version(line.substr(j + 1), out.version_minor)) {
    case detail::VersionCheck::ok:
      break;
    case detail::VersionCheck::unsupported:
      return fail(505, "http_version_not_supported", "only HTTP/1.0 and HTTP/1.1 are supported");
    case detail::VersionCheck::malformed:
      return bad_request("malformed HTTP version");
  }
  return parse_target(out);
}

// While the request line is still arriving: refuse what is already certain to fail, so that a
// client cannot hold a worker with a target we will answer 414 to anyway.
ParseResult check_partial_request_line(std::string_view partial, const HeadLimits& limits) {
  std::size_t i = 0;
  while (i < partial.size() && is_token_char(partial[i])) ++i;
  if (i == partial.size()) return incomplete();
  if (i == 0 || partial[i] != ' ') return bad_request("malformed request line");
  const std::size_t target_start = i + 1;
  const std::size_t target_end = std::min(partial.find(' ', target_start), partial.size());
  if (target_end - target_start > limits.max_uri_bytes) return uri_too_long();
  return incomplete();
}

ParseResult apply_fields(RequestHead& out) {
  detail::FieldSummary fields;
  const detail::FieldError error = detail::summarize_fields(out.headers, fields);
  // Framing two parsers could read apart is how requests are smuggled: its own code, so that
  // such attempts can be counted (apigw_requests_refused_total{reason="invalid_framing"}).
  if (error != detail::FieldError::none) {
    return fail(400, "invalid_framing", detail::describe(error));
  }

  if (fields.host_count > 1) return bad_request("more than one Host header");
  if (fields.host_count == 0 && out.version_minor == 1) return bad_request("missing Host header");
  // An empty Host is legal (RFC 9112 §3.2: the target has no authority).
  if (!fields.host.empty() && !is_valid_authority(fields.host, /*require_port=*/false)) {
    return bad_request("invalid Host header");
  }
  if (out.host.empty()) out.host = fields.host;  // absolute-form already set it

  if (fields.has_transfer_encoding) {
    // RFC 9112 §6.1: a 1.0 recipient cannot have meant chunked; it may be a smuggling attempt.
    if (out.version_minor == 0) {
      return fail(400, "invalid_framing", "Transfer-Encoding in an HTTP/1.0 request");
    }
    out.framing = BodyFraming::chunked;
  } else if (fields.has_content_length) {
    // Content-Length: 0 stays content_length framing, so the upstream sees the same declaration.
    out.framing = BodyFraming::content_length;
    out.content_length = fields.content_length;
  }
  out.keep_alive = out.version_minor == 1
                       ? !fields.connection.close
                       : fields.connection.keep_alive() && !fields.connection.close;
  out.connection = fields.connection;
  // RFC 9110 §10.1.1: a 100-continue expectation in an HTTP/1.0 request is ignored.
  out.expect_continue = out.version_minor == 1 && iequals(fields.expect, "100-continue");
  return ok();
}

}  // namespace

ParseResult parse_request_head(std::string_view buffer, const HeadLimits& limits,
                               RequestHead& out) {
  out.clear();
  std::size_t start = 0;
  for (int lines = 0; start < buffer.size() && (buffer[start] == '\r' || buffer[start] == '\n');
       ++lines) {
    if (buffer[start] == '\n') return bad_request("line ending without CR");
    if (start + 1 == buffer.size()) return incomplete();
    if (buffer[start + 1] != '\n') return bad_request("CR without LF");
    if (lines == kMaxLeadingEmptyLines) return bad_request("too many empty lines before request");
    start += 2;
  }
  const std::string_view head = buffer.substr(start);
  const std::string_view window = head.substr(0, limits.max_header_bytes);
  auto when_incomplete = [&] {
    return head.size() >= limits.max_header_bytes ? header_too_large("request head too large")
                                                  : incomplete();
  };

  const std::size_t lf = window.find('\n');
  if (lf == std::string_view::npos) {
    const ParseResult partial = check_partial_request_line(window, limits);
    return partial.status == ParseStatus::error ? partial : when_incomplete();
  }
  // lf > 0: a leading CR or LF was consumed by the loop above.
  if (window[lf - 1] != '\r') return bad_request("line ending without CR");
  const ParseResult line = parse_request_line(window.substr(0, lf - 1), limits, out);
  if (line.status == ParseStatus::error) return line;

  const detail::FieldLinesResult fields =
      detail::parse_field_lines(window, lf + 1, limits.max_header_count, out.headers);
  if (fields.status == ParseStatus::incomplete) return when_incomplete();
  if (fields.status == ParseStatus::error) {
    if (fields.error == detail::LineError::too_many_fields) {
      return header_too_large(detail::describe(fields.error));
    }
    return bad_request(detail::describe(fields.error));
  }
  out.head_bytes = start + fields.end;
  return apply_fields(out);
}

RequestLine peek_request_line(std::string_view buffer) {
  RequestLine line;
  const std::size_t limit = std::min<std::size_t>(buffer.size(), 8 * 1024);
  std::size_t i = 0;
  while (i < limit && i < 32 && buffer[i] != ' ') ++i;
  if (i == limit || buffer[i] != ' ' || !is_token(buffer.substr(0, i))) return line;
  const std::size_t target_start = ++i;
  while (i < limit && buffer[i] > 0x20 && buffer[i] < 0x7f) ++i;
  if (i == limit || buffer[i] != ' ' || i == target_start) return line;
  line.method = buffer.substr(0, target_start - 1);
  line.target = buffer.substr(target_start, i - target_start);
  return line;
}

}  // namespace apigw::http
