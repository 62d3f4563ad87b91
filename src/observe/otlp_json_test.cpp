#include "observe/otlp_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace apigw::observe {
namespace {

namespace json = boost::json;

Span make_span(bool root) {
  Span span;
  ParsedTraceparent parsed;
  EXPECT_TRUE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", parsed));
  span.trace_id = parsed.trace_id;
  span.span_id = parsed.parent_span_id;
  if (!root) span.parent_span_id = new_span_id();
  span.name = "GET \"quoted\"";
  span.kind = root ? SpanKind::server : SpanKind::client;
  span.start_unix_nanos = 1'700'000'000'000'000'000;
  span.end_unix_nanos = 1'700'000'000'123'000'000;
  span.add("http.request.method", "GET");
  span.add("http.response.status_code", std::int64_t{503});
  if (!root) {
    span.status = SpanStatus::error;
    span.status_message = "upstream_reset";
  }
  return span;
}

TEST(OtlpJson, SpansEncodeAsTheOtlpJsonMapping) {
  std::vector<Span> spans = {make_span(true), make_span(false)};
  std::string out;
  encode_otlp_json(spans, {"edge", "0.1.0", "host-1", "abc"}, out);
  const json::value request = json::parse(out);
  const json::value& resource = request.at("resourceSpans").at(0);
  const json::array& resource_attributes = resource.at("resource").at("attributes").as_array();
  EXPECT_EQ(resource_attributes.at(0).at("key"), "service.name");
  EXPECT_EQ(resource_attributes.at(0).at("value").at("stringValue"), "edge");
  EXPECT_EQ(resource_attributes.size(), 4u);
  const json::value& scope = resource.at("scopeSpans").at(0);
  EXPECT_EQ(scope.at("scope").at("name"), "apigw");
  const json::array& encoded = scope.at("spans").as_array();
  ASSERT_EQ(encoded.size(), 2u);
  const json::object& root = encoded[0].as_object();
  EXPECT_EQ(root.at("traceId"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(root.at("spanId"), "00f067aa0ba902b7");
  EXPECT_FALSE(root.contains("parentSpanId"));
  EXPECT_EQ(root.at("name"), "GET \"quoted\"");
  EXPECT_EQ(root.at("kind").as_int64(), 2);
  EXPECT_EQ(root.at("startTimeUnixNano"), "1700000000000000000") << "int64 as a string";
  EXPECT_EQ(root.at("endTimeUnixNano"), "1700000000123000000");
  EXPECT_EQ(root.at("attributes").at(1).at("value").at("intValue"), "503");
  EXPECT_TRUE(root.at("status").as_object().empty()) << "unset";
  const json::object& child = encoded[1].as_object();
  EXPECT_EQ(child.at("parentSpanId").as_string().size(), 16u);
  EXPECT_EQ(child.at("kind").as_int64(), 3);
  EXPECT_EQ(child.at("status").at("code").as_int64(), 2);
  EXPECT_EQ(child.at("status").at("message"), "upstream_reset");
}

TEST(OtlpJson, ASpanReusedFromTheQueueKeepsOnlyItsNewAttributes) {
  Span span = make_span(true);
  span.reset();
  span.name = "again";
  span.add("only", "one");
  std::string out;
  encode_otlp_json(std::span<const Span>(&span, 1), {"s", "v", "h", "i"}, out);
  const json::value request = json::parse(out);
  const json::array& attributes =
      request.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").at(0).at("attributes").as_array();
  ASSERT_EQ(attributes.size(), 1u);
  EXPECT_EQ(attributes[0].at("key"), "only");
}

// Values long enough for the sixteen-byte scan, with what must be escaped before, inside and
// after its first block: each reads back as it was written.
TEST(OtlpJson, EveryValueReadsBackAsWritten) {
  const std::vector<std::string> values = {
      "/a/plain/path/longer/than/sixteen/bytes?q=1",
      std::string("0123456789abcdef") + "\"quoted\" after a block",
      "a \\ backslash in the first block and a long tail after it",
      std::string("0123456789abcdefghij") + "\x01" + " control byte",
      std::string("0123456789abcdefghijklmnopqrstu") + "\x7f",
      "caf\xc3\xa9 \xe2\x82\xac and more than sixteen bytes of text",
      "short",
      ""};
  Span span = make_span(true);
  span.reset();
  span.name = "values";
  for (const std::string& value : values) span.add("v", value);
  std::string out;
  encode_otlp_json(std::span<const Span>(&span, 1), {"s", "v", "h", "i"}, out);
  const json::value request = json::parse(out);
  const json::array& attributes =
      request.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").at(0).at("attributes").as_array();
  ASSERT_EQ(attributes.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(attributes[i].at("value").at("stringValue").as_string(), values[i]) << i;
  }
}

}  // namespace
}  // namespace apigw::observe
