// Fuzzes the upstream response head parser. Input: the first byte picks the request method the
// response answers (it decides whether a body follows), the rest is the head. An accepted head must
// have exactly one reading of where its body ends, and the verdict must not depend on how the bytes
// arrived (the exchange re-parses a growing buffer).
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "http/parser.h"

using apigw::http::BodyFraming;
using apigw::http::Header;
using apigw::http::HeadLimits;
using apigw::http::iequals;
using apigw::http::Method;
using apigw::http::ParseResult;
using apigw::http::ParseStatus;
using apigw::http::ResponseHead;

namespace {

constexpr Method kMethods[] = {Method::get, Method::head, Method::post, Method::connect};

bool points_into(std::string_view inner, std::string_view outer) {
  return inner.empty() || (inner.data() >= outer.data() &&
                           inner.data() + inner.size() <= outer.data() + outer.size());
}

void check_accepted_head(std::string_view input, Method method, const ResponseHead& head) {
  FUZZ_CHECK(head.head_bytes >= 16 && head.head_bytes <= input.size());  // "HTTP/1.1 200\r\n\r\n"
  const std::string_view bytes = input.substr(0, head.head_bytes);
  FUZZ_CHECK(bytes.ends_with("\r\n\r\n"));
  FUZZ_CHECK(head.status >= 100 && head.status <= 599);
  FUZZ_CHECK(head.version_minor == 0 || head.version_minor == 1);
  FUZZ_CHECK(points_into(head.reason, bytes));
  for (const char c : head.reason) FUZZ_CHECK(c != '\r' && c != '\n' && c != '\0');

  int content_length = 0, transfer_encoding = 0;
  for (const Header& header : head.headers) {
    FUZZ_CHECK(apigw::http::is_token(header.name));
    FUZZ_CHECK(points_into(header.name, bytes) && points_into(header.value, bytes));
    for (const char c : header.value) FUZZ_CHECK(c != '\r' && c != '\n' && c != '\0');
    if (iequals(header.name, "content-length")) ++content_length;
    if (iequals(header.name, "transfer-encoding")) ++transfer_encoding;
  }
  // Refused even where the status says there is no body: a peer might not know that rule.
  FUZZ_CHECK(content_length == 0 || transfer_encoding == 0);
  FUZZ_CHECK(transfer_encoding <= 1);

  const bool bodiless = method == Method::head || head.status < 200 || head.status == 204 ||
                        head.status == 304 || (method == Method::connect && head.status < 300);
  switch (head.framing) {
    case BodyFraming::none:
      FUZZ_CHECK(bodiless);
      break;
    case BodyFraming::chunked:
      FUZZ_CHECK(!bodiless && transfer_encoding == 1 && head.version_minor == 1);
      break;
    case BodyFraming::content_length:
      FUZZ_CHECK(!bodiless && content_length >= 1);
      break;
    case BodyFraming::until_close:
      FUZZ_CHECK(!bodiless && content_length == 0 && transfer_encoding == 0);
      FUZZ_CHECK(!head.keep_alive);  // the close is the body's end
      break;
    case BodyFraming::stream_end:
      FUZZ_CHECK(false);  // HTTP/2 requests only
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const Method method = kMethods[data[0] % std::size(kMethods)];
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const HeadLimits limits;
  ResponseHead head;
  const ParseResult result = apigw::http::parse_response_head(input, limits, method, head);
  switch (result.status) {
    case ParseStatus::complete: {
      check_accepted_head(input, method, head);
      const std::string_view alone = input.substr(0, head.head_bytes);
      ResponseHead again;
      FUZZ_CHECK(apigw::http::parse_response_head(alone, limits, method, again).status ==
                 ParseStatus::complete);
      FUZZ_CHECK(again.head_bytes == head.head_bytes && again.status == head.status &&
                 again.framing == head.framing && again.content_length == head.content_length &&
                 again.keep_alive == head.keep_alive);
      for (std::size_t cut : {alone.size() - 1, alone.size() / 2, std::size_t{1}}) {
        FUZZ_CHECK(
            apigw::http::parse_response_head(alone.substr(0, cut), limits, method, again).status ==
            ParseStatus::incomplete);
      }
      break;
    }
    case ParseStatus::error: {
      FUZZ_CHECK(result.error.status == 502 && !result.error.message.empty());
      const std::string longer = std::string(input) + "\r\n\r\n";
      ResponseHead again;
      FUZZ_CHECK(apigw::http::parse_response_head(longer, limits, method, again).status ==
                 ParseStatus::error);
      break;
    }
    case ParseStatus::incomplete:
      FUZZ_CHECK(input.size() < limits.max_header_bytes);
      break;
  }
  return 0;
}
