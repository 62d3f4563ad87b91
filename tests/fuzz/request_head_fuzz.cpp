// Fuzzes the client-side HTTP/1 request head parser (http/parser.h), the first code that reads
// untrusted bytes. Besides not crashing, an accepted head must be one that no other HTTP
// implementation could frame differently (the smuggling rules), and the verdict must not depend on
// how the bytes arrived: the session re-parses a growing buffer after every read.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "http/parser.h"

using apigw::http::BodyFraming;
using apigw::http::Header;
using apigw::http::HeadLimits;
using apigw::http::iequals;
using apigw::http::ParseResult;
using apigw::http::ParseStatus;
using apigw::http::RequestHead;

namespace {

bool points_into(std::string_view inner, std::string_view outer) {
  return inner.empty() || (inner.data() >= outer.data() &&
                           inner.data() + inner.size() <= outer.data() + outer.size());
}

bool is_ows(char c) { return c == ' ' || c == '\t'; }

// What the head says about its own framing, counted here without the parser's help.
struct FramingFields {
  int content_length = 0;
  int transfer_encoding = 0;
  int host = 0;
};

FramingFields count_framing_fields(const RequestHead& head) {
  FramingFields fields;
  for (const Header& header : head.headers) {
    if (iequals(header.name, "content-length")) ++fields.content_length;
    if (iequals(header.name, "transfer-encoding")) ++fields.transfer_encoding;
    if (iequals(header.name, "host")) ++fields.host;
  }
  return fields;
}

void check_accepted_head(std::string_view input, const RequestHead& head) {
  FUZZ_CHECK(head.head_bytes >= 4 && head.head_bytes <= input.size());
  FUZZ_CHECK(input.substr(0, head.head_bytes).ends_with("\r\n\r\n"));
  FUZZ_CHECK(head.version_minor == 0 || head.version_minor == 1);
  FUZZ_CHECK(apigw::http::is_token(head.method_text));
  FUZZ_CHECK(!head.target.empty());
  for (const char c : head.target) FUZZ_CHECK(c > 0x20 && c < 0x7f && c != '#');
  const std::string_view bytes = input.substr(0, head.head_bytes);
  FUZZ_CHECK(points_into(head.method_text, bytes) && points_into(head.target, bytes));
  FUZZ_CHECK(points_into(head.host, bytes));
  // "*" and the root of an absolute-form target are the only paths not taken from the target.
  FUZZ_CHECK(points_into(head.path, head.target) || head.path == "/");
  FUZZ_CHECK(points_into(head.query, head.target));
  FUZZ_CHECK(head.has_query || head.query.empty());

  for (const Header& header : head.headers) {
    FUZZ_CHECK(apigw::http::is_token(header.name));
    FUZZ_CHECK(points_into(header.name, bytes) && points_into(header.value, bytes));
    for (const char c : header.value) FUZZ_CHECK(c != '\r' && c != '\n' && c != '\0');
    if (!header.value.empty()) {
      FUZZ_CHECK(!is_ows(header.value.front()) && !is_ows(header.value.back()));
    }
  }

  // The smuggling rules: one unambiguous framing, or none.
  const FramingFields fields = count_framing_fields(head);
  FUZZ_CHECK(fields.content_length == 0 || fields.transfer_encoding == 0);
  FUZZ_CHECK(fields.transfer_encoding <= 1);
  FUZZ_CHECK(fields.host <= 1);
  if (head.version_minor == 1) FUZZ_CHECK(fields.host == 1);
  switch (head.framing) {
    case BodyFraming::chunked:
      FUZZ_CHECK(fields.transfer_encoding == 1 && head.version_minor == 1);
      FUZZ_CHECK(iequals(apigw::http::find_header(head.headers, "transfer-encoding"), "chunked"));
      break;
    case BodyFraming::content_length:
      FUZZ_CHECK(fields.content_length >= 1);
      break;
    case BodyFraming::none:
      FUZZ_CHECK(fields.content_length == 0 && fields.transfer_encoding == 0);
      FUZZ_CHECK(head.content_length == 0);
      break;
    case BodyFraming::until_close:
      FUZZ_CHECK(false);  // a request body never runs to the close
      break;
    case BodyFraming::stream_end:
      FUZZ_CHECK(false);  // HTTP/2 only
      break;
  }
  if (head.framing == BodyFraming::content_length && fields.content_length == 1) {
    // A single plain number is read exactly; lists of equal values are the parser's business.
    const std::string_view value = apigw::http::find_header(head.headers, "content-length");
    if (value.find(',') == std::string_view::npos) {
      FUZZ_CHECK(std::to_string(head.content_length) ==
                 value.substr(std::min(value.find_first_not_of('0'), value.size() - 1)));
    }
  }
  if (head.expect_continue) FUZZ_CHECK(head.version_minor == 1);
}

void check_error(const ParseResult& result) {
  const int status = result.error.status;
  FUZZ_CHECK(status == 400 || status == 414 || status == 431 || status == 505);
  FUZZ_CHECK(!result.error.code.empty() && !result.error.message.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const HeadLimits limits;
  RequestHead head;
  const ParseResult result = apigw::http::parse_request_head(input, limits, head);

  // What the session logs for a refused head: views into the first line, never past the input.
  const apigw::http::RequestLine line = apigw::http::peek_request_line(input);
  FUZZ_CHECK(points_into(line.method, input) && points_into(line.target, input));
  FUZZ_CHECK(line.method.empty() == line.target.empty());

  switch (result.status) {
    case ParseStatus::complete: {
      check_accepted_head(input, head);
      // The peek gives up on leading empty lines and long methods; what it does find agrees.
      if (!line.method.empty()) {
        FUZZ_CHECK(line.method == head.method_text && line.target == head.target);
      }
      // The head alone, or followed by anything (a pipelined body), reads the same; one byte
      // less is still arriving, and so is every shorter prefix (never refused halfway).
      RequestHead again;
      const std::string_view alone = input.substr(0, head.head_bytes);
      FUZZ_CHECK(apigw::http::parse_request_head(alone, limits, again).status ==
                 ParseStatus::complete);
      FUZZ_CHECK(again.head_bytes == head.head_bytes && again.framing == head.framing &&
                 again.content_length == head.content_length && again.host == head.host &&
                 again.headers.size() == head.headers.size());
      for (std::size_t cut :
           {alone.size() - 1, alone.size() / 2, alone.size() / 4, std::size_t{1}}) {
        FUZZ_CHECK(apigw::http::parse_request_head(alone.substr(0, cut), limits, again).status ==
                   ParseStatus::incomplete);
      }
      // Tighter limits can only refuse more, never accept something else.
      const HeadLimits tight{.max_header_bytes = 512, .max_header_count = 4, .max_uri_bytes = 64};
      const ParseResult tight_result = apigw::http::parse_request_head(input, tight, again);
      if (tight_result.status == ParseStatus::complete) {
        FUZZ_CHECK(again.head_bytes == head.head_bytes && again.framing == head.framing);
      } else if (tight_result.status == ParseStatus::error) {
        FUZZ_CHECK(tight_result.error.status == 414 || tight_result.error.status == 431);
      }
      break;
    }
    case ParseStatus::error: {
      check_error(result);
      // More bytes cannot repair what is already wrong.
      const std::string longer = std::string(input) + "\r\n\r\n";
      RequestHead again;
      FUZZ_CHECK(apigw::http::parse_request_head(longer, limits, again).status ==
                 ParseStatus::error);
      break;
    }
    case ParseStatus::incomplete:
      // The empty lines skipped before the request line do not count against the limit.
      FUZZ_CHECK(size < limits.max_header_bytes + 16);
      break;
  }
  return 0;
}
