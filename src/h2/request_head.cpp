#include "h2/request_head.h"

#include <cstring>

#include "h2/field_rules.h"

namespace apigw::h2 {
namespace {

// The request-target characters the HTTP/1 parser accepts (http/request_parser.cpp): printable
// ASCII, no space, no '#'.
bool is_valid_path(std::string_view path) {
  for (char c : path) {
    if (c <= 0x20 || c >= 0x7f || c == '#') return false;
  }
  return true;
}

HeadOutcome refused(int status, std::string_view code, std::string_view message) {
  return HeadOutcome{HeadOutcome::Kind::refused, http::ParseError{status, code, message}};
}

void split_target(http::RequestHead& head) {
  const std::size_t question = head.target.find('?');
  head.path = head.target.substr(0, question);
  if (question != std::string_view::npos) {
    head.has_query = true;
    head.query = head.target.substr(question + 1);
  }
}

}  // namespace

FieldVerdict RequestHeadBuilder::fail(std::string_view why) {
  if (!malformed_) malformed_reason_ = why;
  malformed_ = true;
  return abusive_ ? FieldVerdict::abusive : FieldVerdict::malformed;
}

void RequestHeadBuilder::start(const http::HeadLimits& limits, HeaderArena& arena,
                               http::RequestHead& out) {
  limits_ = limits;
  arena_ = &arena;
  head_ = &out;
  trailers_ = nullptr;
  out.clear();
  bytes_ = 0;
  fields_ = 0;
  pseudo_seen_ = 0;
  regular_seen_ = false;
  malformed_ = false;
  too_large_ = false;
  abusive_ = false;
  scheme_ = {};
  authority_ = {};
  host_field_ = {};
  host_fields_ = 0;
  content_length_fields_ = 0;
  cookie_fields_ = 0;
  malformed_reason_ = {};
}

bool RequestHeadBuilder::count(std::string_view name, std::string_view value, bool regular,
                               FieldVerdict& verdict) {
  bytes_ += name.size() + value.size() + kFieldOverhead;
  if (regular) ++fields_;
  if (bytes_ > 2 * limits_.max_header_bytes || fields_ > 2 * limits_.max_header_count) {
    abusive_ = true;
  } else if (bytes_ > limits_.max_header_bytes || fields_ > limits_.max_header_count) {
    too_large_ = true;
  }
  verdict = abusive_ ? FieldVerdict::abusive : FieldVerdict::ok;
  // Past a limit nothing more is stored (the answer is 431 whatever follows), but every field is
  // still checked: a malformed block is reset rather than answered.
  return !too_large_ && !abusive_;
}

FieldVerdict RequestHeadBuilder::add(std::string_view name, std::string_view value) {
  if (name.empty()) return fail("empty field name");
  FieldVerdict verdict = FieldVerdict::ok;
  const bool store = count(name, value, name[0] != ':', verdict);
  const FieldVerdict checked = name[0] == ':' ? add_pseudo(name, value, store)
                                              : add_regular(name, value, store, head_->headers);
  return checked == FieldVerdict::ok ? verdict : checked;
}

FieldVerdict RequestHeadBuilder::add_pseudo(std::string_view name, std::string_view value,
                                            bool store) {
  if (regular_seen_) return fail("pseudo-header field after a regular field");
  std::uint8_t which = 0;
  if (name == ":method") {
    which = kMethod;
    if (!http::is_token(value)) return fail("invalid :method");
  } else if (name == ":scheme") {
    which = kScheme;
    if (!http::is_token(value)) return fail("invalid :scheme");
  } else if (name == ":path") {
    which = kPath;
    if (value.empty() || !is_valid_path(value)) return fail("invalid :path");
  } else if (name == ":authority") {
    which = kAuthority;
    if (!http::is_valid_authority(value, /*require_port=*/false)) return fail("invalid :authority");
  } else {
    return fail("unknown pseudo-header field");  // :status, :protocol (no extended CONNECT)
  }
  if ((pseudo_seen_ & which) != 0) return fail("repeated pseudo-header field");
  pseudo_seen_ |= which;
  if (!store) return FieldVerdict::ok;
  const std::string_view copy = arena_->copy(value);
  switch (which) {
    case kMethod:
      head_->method_text = copy;
      head_->method = http::parse_method(copy);
      break;
    case kScheme:
      scheme_ = copy;
      break;
    case kPath:
      head_->target = copy;
      break;
    default:
      authority_ = copy;
      break;
  }
  return FieldVerdict::ok;
}

FieldVerdict RequestHeadBuilder::add_regular(std::string_view name, std::string_view value,
                                             bool store, std::vector<http::Header>& into) {
  regular_seen_ = true;
  if (!is_valid_field_name(name)) return fail("invalid field name");
  if (!is_valid_field_value(value)) return fail("invalid character in field value");
  const http::Field field = http::classify_field(name);
  if (is_connection_specific(field)) return fail("connection-specific field");
  switch (field) {
    case http::Field::te:
      if (!http::iequals(value, "trailers")) return fail("TE other than \"trailers\"");
      break;
    case http::Field::content_length: {
      std::uint64_t length = 0;
      if (++content_length_fields_ > 1) return fail("more than one content-length");
      if (!parse_content_length(value, length)) return fail("invalid content-length");
      head_->content_length = length;
      break;
    }
    case http::Field::host:
      if (++host_fields_ > 1) return fail("more than one host");
      if (!http::is_valid_authority(value, /*require_port=*/false)) return fail("invalid host");
      break;
    case http::Field::cookie:
      ++cookie_fields_;
      break;
    default:
      break;
  }
  if (!store) return FieldVerdict::ok;
  into.emplace_back(arena_->copy(name), arena_->copy(value));
  if (field == http::Field::host) host_field_ = into.back().value;
  return FieldVerdict::ok;
}

HeadOutcome RequestHeadBuilder::check_target() {
  http::RequestHead& head = *head_;
  if (head.method == http::Method::connect) {
    // Plain CONNECT has no :scheme and no :path (RFC 9113 §8.5); the gateway tunnels nothing.
    if ((pseudo_seen_ & (kScheme | kPath)) != 0) {
      return HeadOutcome{HeadOutcome::Kind::malformed, {400, "bad_request", "CONNECT with :path"}};
    }
    return refused(501, "not_implemented", "CONNECT is not supported");
  }
  if ((pseudo_seen_ & kScheme) == 0 || (pseudo_seen_ & kPath) == 0) {
    return HeadOutcome{HeadOutcome::Kind::malformed,
                       {400, "bad_request", "missing :scheme or :path"}};
  }
  if (head.target == "*") {
    if (head.method != http::Method::options) {
      return HeadOutcome{HeadOutcome::Kind::malformed,
                         {400, "bad_request", "'*' :path is only valid for OPTIONS"}};
    }
    head.path = head.target;
  } else if (head.target[0] != '/') {
    return HeadOutcome{HeadOutcome::Kind::malformed,
                       {400, "bad_request", ":path is not origin-form"}};
  } else {
    split_target(head);
  }
  if (head.target.size() > limits_.max_uri_bytes) {
    return refused(414, "uri_too_long", "request target exceeds the configured limit");
  }
  if (scheme_ != "http" && scheme_ != "https") {
    return refused(400, "bad_request", "unsupported :scheme");
  }
  return HeadOutcome{};
}

void RequestHeadBuilder::join_cookies() {
  // RFC 9113 §8.2.3: crumbs of a split Cookie are joined with "; " before the request leaves
  // HTTP/2. The joined field takes the first crumb's place. Empty crumbs carry nothing and are
  // skipped: joined, they would leave "; " at an end, whitespace an HTTP/1 parser trims (the
  // h2_request_head fuzzer found the value changing on the way).
  std::vector<http::Header>& headers = head_->headers;
  std::size_t size = 0;
  for (const http::Header& header : headers) {
    if (header.field == http::Field::cookie) size += header.value.size() + 2;
  }
  char* joined = arena_->allocate(size);
  std::size_t at = 0;
  std::size_t first = headers.size();
  std::size_t kept = 0;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    const http::Header header = headers[i];
    if (header.field == http::Field::cookie) {
      if (at != 0 && !header.value.empty()) {
        std::memcpy(joined + at, "; ", 2);
        at += 2;
      }
      std::memcpy(joined + at, header.value.data(), header.value.size());
      at += header.value.size();
      if (first != headers.size()) continue;  // a later crumb: dropped
      first = kept;
    }
    headers[kept++] = header;
  }
  headers.erase(headers.begin() + static_cast<std::ptrdiff_t>(kept), headers.end());
  headers[first].value = std::string_view(joined, at);
}

HeadOutcome RequestHeadBuilder::finish(bool end_stream) {
  if (malformed_) {
    return HeadOutcome{HeadOutcome::Kind::malformed, {400, "bad_request", malformed_reason_}};
  }
  if ((pseudo_seen_ & kMethod) == 0) {
    return HeadOutcome{HeadOutcome::Kind::malformed, {400, "bad_request", "missing :method"}};
  }
  if (too_large_ || abusive_) {
    return refused(431, "request_header_fields_too_large", "request header list too large");
  }
  http::RequestHead& head = *head_;
  if ((pseudo_seen_ & kAuthority) == 0 && host_fields_ == 0) {
    return HeadOutcome{HeadOutcome::Kind::malformed,
                       {400, "bad_request", "neither :authority nor host"}};
  }
  // RFC 9113 §8.3.1: a host that names another entity than :authority makes the request
  // malformed; an HTTP/1 upstream would route by the Host we would have to pick.
  if ((pseudo_seen_ & kAuthority) != 0 && host_fields_ != 0 &&
      !http::iequals(authority_, host_field_)) {
    return HeadOutcome{HeadOutcome::Kind::malformed,
                       {400, "bad_request", ":authority and host differ"}};
  }
  if (end_stream && content_length_fields_ != 0 && head.content_length != 0) {
    return HeadOutcome{HeadOutcome::Kind::malformed,
                       {400, "bad_request", "content-length without a body"}};
  }
  const HeadOutcome target = check_target();
  if (target.kind != HeadOutcome::Kind::request) return target;

  head.host = (pseudo_seen_ & kAuthority) != 0 ? authority_ : host_field_;
  head.protocol = http::Protocol::http2;
  head.version_minor = 1;
  head.keep_alive = true;
  if (content_length_fields_ != 0) {
    // Zero stays a declared length, so the upstream sees what the client declared (as HTTP/1).
    head.framing = http::BodyFraming::content_length;
  } else {
    head.framing = end_stream ? http::BodyFraming::none : http::BodyFraming::stream_end;
  }
  if (cookie_fields_ > 1) join_cookies();
  head.expect_continue =
      http::iequals(http::find_header(head.headers, http::Field::expect), "100-continue");
  return HeadOutcome{};
}

void RequestHeadBuilder::start_trailers(std::vector<http::Header>& out) {
  trailers_ = &out;
  out.clear();
  bytes_ = 0;
  fields_ = 0;
  malformed_ = false;
  too_large_ = false;
  abusive_ = false;
  malformed_reason_ = {};
}

FieldVerdict RequestHeadBuilder::add_trailer(std::string_view name, std::string_view value) {
  if (name.empty() || name[0] == ':') return fail("pseudo-header field in trailers");
  switch (http::classify_field(name)) {
    case http::Field::content_length:
    case http::Field::host:
    case http::Field::te:
      return fail("framing or routing field in trailers");
    default:
      break;
  }
  FieldVerdict verdict = FieldVerdict::ok;
  const bool store = count(name, value, /*regular=*/true, verdict);
  const FieldVerdict checked = add_regular(name, value, store, *trailers_);
  return checked == FieldVerdict::ok ? verdict : checked;
}

}  // namespace apigw::h2
