// Upstream response heads. Anything that could make us and the client disagree about where this
// response ends is refused; the caller answers the client 502.
#include <string_view>

#include "http/head_lines.h"
#include "http/parser.h"

namespace apigw::http {
namespace {

ParseResult bad_gateway(std::string_view message) {
  return ParseResult{ParseStatus::error, ParseError{502, "bad_gateway", message}};
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "HTTP/1.x" SP 3DIGIT [ SP reason-phrase ]; `line` excludes the CRLF. The space before an empty
// reason is optional because enough servers omit it.
ParseResult parse_status_line(std::string_view line, ResponseHead& out) {
  if (line.size() < 12 || line[8] != ' ') return bad_gateway("malformed status line");
  switch (detail::check_version(line.substr(0, 8), out.version_minor)) {
    case detail::VersionCheck::ok:
      break;
    case detail::VersionCheck::unsupported:
      return bad_gateway("unsupported HTTP version from upstream");
    case detail::VersionCheck::malformed:
      return bad_gateway("malformed status line");
  }
  if (!is_digit(line[9]) || !is_digit(line[10]) || !is_digit(line[11])) {
    return bad_gateway("malformed status code");
  }
  out.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (out.status < 100 || out.status > 599) return bad_gateway("status code out of range");
  if (line.size() == 12) return ParseResult{ParseStatus::complete, {}};
  if (line[12] != ' ') return bad_gateway("malformed status line");
  out.reason = line.substr(13);
  for (char c : out.reason) {
    if (!detail::is_field_value_char(c)) return bad_gateway("invalid character in reason phrase");
  }
  return ParseResult{ParseStatus::complete, {}};
}

// RFC 9112 §6.3, items 1 and 2: these responses end with their head, whatever they declare.
bool has_no_body(int status, Method request_method) {
  return request_method == Method::head || status < 200 || status == 204 || status == 304 ||
         (request_method == Method::connect && status < 300);
}

ParseResult apply_fields(Method request_method, ResponseHead& out) {
  detail::FieldSummary fields;
  const detail::FieldError error = detail::summarize_fields(out.headers, fields);
  if (error != detail::FieldError::none) return bad_gateway(detail::describe(error));
  if (fields.has_transfer_encoding && out.version_minor == 0) {
    return bad_gateway("Transfer-Encoding in an HTTP/1.0 response");
  }
  if (has_no_body(out.status, request_method)) {
    out.framing = BodyFraming::none;
  } else if (fields.has_transfer_encoding) {
    out.framing = BodyFraming::chunked;
  } else if (fields.has_content_length) {
    out.framing = BodyFraming::content_length;
    out.content_length = fields.content_length;
  } else {
    out.framing = BodyFraming::until_close;
  }
  out.keep_alive = out.version_minor == 1
                       ? !fields.connection.close
                       : fields.connection.keep_alive() && !fields.connection.close;
  out.connection = fields.connection;
  if (out.framing == BodyFraming::until_close) out.keep_alive = false;
  return ParseResult{ParseStatus::complete, {}};
}

}  // namespace

ParseResult parse_response_head(std::string_view buffer, const HeadLimits& limits,
                                Method request_method, ResponseHead& out) {
  out.clear();
  const std::string_view window = buffer.substr(0, limits.max_header_bytes);
  auto when_incomplete = [&] {
    return buffer.size() >= limits.max_header_bytes ? bad_gateway("response head too large")
                                                    : ParseResult{ParseStatus::incomplete, {}};
  };
  const std::size_t lf = window.find('\n');
  if (lf == std::string_view::npos) return when_incomplete();
  if (lf == 0 || window[lf - 1] != '\r') return bad_gateway("line ending without CR");
  const ParseResult line = parse_status_line(window.substr(0, lf - 1), out);
  if (line.status == ParseStatus::error) return line;

  const detail::FieldLinesResult fields =
      detail::parse_field_lines(window, lf + 1, limits.max_header_count, out.headers);
  if (fields.status == ParseStatus::incomplete) return when_incomplete();
  if (fields.status == ParseStatus::error) return bad_gateway(detail::describe(fields.error));
  out.head_bytes = fields.end;
  return apply_fields(request_method, out);
}

}  // namespace apigw::http
