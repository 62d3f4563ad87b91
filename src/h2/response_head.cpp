#include "h2/response_head.h"

#include "h2/field_rules.h"

namespace apigw::h2 {
namespace {

// :status is exactly three digits, 100 to 599 (RFC 9110 §15); 101 does not exist in HTTP/2
// (RFC 9113 §8.6).
int parse_status(std::string_view text) {
  if (text.size() != 3) return 0;
  int status = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return 0;
    status = status * 10 + (c - '0');
  }
  return status >= 100 && status <= 599 && status != 101 ? status : 0;
}

}  // namespace

ResponseVerdict ResponseHeadBuilder::fail(std::string_view why) {
  if (malformed_reason_.empty()) malformed_reason_ = why;
  return ResponseVerdict::malformed;
}

void ResponseHeadBuilder::start(const http::HeadLimits& limits, HeaderArena& arena,
                                http::ResponseHead& out) {
  limits_ = limits;
  arena_ = &arena;
  head_ = &out;
  trailers_ = nullptr;
  out.clear();
  bytes_ = 0;
  fields_ = 0;
  status_seen_ = false;
  regular_seen_ = false;
  content_length_fields_ = 0;
  malformed_reason_ = {};
}

bool ResponseHeadBuilder::count(std::string_view name, std::string_view value) {
  bytes_ += name.size() + value.size() + kFieldOverhead;
  if (name.empty() || name[0] != ':') ++fields_;
  return bytes_ <= limits_.max_header_bytes && fields_ <= limits_.max_header_count;
}

ResponseVerdict ResponseHeadBuilder::add(std::string_view name, std::string_view value) {
  if (!count(name, value)) return ResponseVerdict::too_large;
  if (name.empty()) return fail("empty field name");
  if (name[0] != ':') return add_regular(name, value, head_->headers);
  if (name != ":status") return fail("unknown pseudo-header field");
  if (regular_seen_) return fail("pseudo-header field after a regular field");
  if (status_seen_) return fail("repeated :status");
  status_seen_ = true;
  head_->status = parse_status(value);
  if (head_->status == 0) return fail("invalid :status");
  return ResponseVerdict::ok;
}

ResponseVerdict ResponseHeadBuilder::add_regular(std::string_view name, std::string_view value,
                                                 std::vector<http::Header>& into) {
  regular_seen_ = true;
  if (!is_valid_field_name(name)) return fail("invalid field name");
  if (!is_valid_field_value(value)) return fail("invalid character in field value");
  const http::Field field = http::classify_field(name);
  if (is_connection_specific(field)) return fail("connection-specific field");
  if (field == http::Field::te && !http::iequals(value, "trailers")) {
    return fail("TE other than \"trailers\"");
  }
  if (field == http::Field::content_length && trailers_ == nullptr) {
    std::uint64_t length = 0;
    if (++content_length_fields_ > 1) return fail("more than one content-length");
    if (!parse_content_length(value, length)) return fail("invalid content-length");
    head_->content_length = length;
  }
  into.emplace_back(arena_->copy(name), arena_->copy(value));
  return ResponseVerdict::ok;
}

ResponseVerdict ResponseHeadBuilder::finish(bool end_stream, bool head_request) {
  http::ResponseHead& head = *head_;
  if (!status_seen_) return fail("missing :status");
  head.version_minor = 1;
  head.keep_alive = true;
  if (head.status < 200) {
    // An interim head never ends the stream, nor declares a body (RFC 9113 §8.1).
    if (end_stream) return fail("1xx head with END_STREAM");
    if (content_length_fields_ != 0) return fail("content-length in a 1xx head");
    head.framing = http::BodyFraming::none;
    return ResponseVerdict::ok;
  }
  const bool bodyless = head_request || head.status == 204 || head.status == 304;
  if (end_stream && !bodyless && content_length_fields_ != 0 && head.content_length != 0) {
    return fail("content-length without a body");
  }
  if (end_stream || bodyless) {
    // The content-length of a HEAD or 304 answer describes the resource: kept, no body follows.
    head.framing = http::BodyFraming::none;
  } else if (content_length_fields_ != 0) {
    head.framing = http::BodyFraming::content_length;
  } else {
    head.framing = http::BodyFraming::stream_end;
  }
  return ResponseVerdict::ok;
}

void ResponseHeadBuilder::start_trailers(std::vector<http::Header>& out) {
  trailers_ = &out;
  out.clear();
  bytes_ = 0;
  fields_ = 0;
  malformed_reason_ = {};
}

ResponseVerdict ResponseHeadBuilder::add_trailer(std::string_view name, std::string_view value) {
  if (!count(name, value)) return ResponseVerdict::too_large;
  if (name.empty() || name[0] == ':') return fail("pseudo-header field in trailers");
  switch (http::classify_field(name)) {
    case http::Field::content_length:
    case http::Field::host:
    case http::Field::te:
      return fail("framing or routing field in trailers");
    default:
      break;
  }
  return add_regular(name, value, *trailers_);
}

}  // namespace apigw::h2
