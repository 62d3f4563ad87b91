// Fuzzes the W3C traceparent parser. Checks that a value it accepts names non-zero ids, that
// formatting what it read gives a value it reads back the same, that a continued trace keeps
// the caller's trace id and sampled flag while its own span is new, and that the traceparent the
// gateway would send (valid input or not) is one it reads back as that context.
#include <algorithm>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "observe/trace_context.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace apigw::observe;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  ParsedTraceparent parsed;
  const bool valid = parse_traceparent(input, parsed);
  apigw::util::FastRandom random(size);
  TraceContext context;
  TraceparentText sent;
  start_trace(input, 0.5, random, nullptr, context, sent);
  FUZZ_CHECK(context.active);
  FUZZ_CHECK(std::any_of(context.span_id.begin(), context.span_id.end(), [](auto b) { return b; }));
  ParsedTraceparent outgoing;
  FUZZ_CHECK(parse_traceparent(std::string_view(sent.data(), sent.size()), outgoing));
  FUZZ_CHECK(outgoing.trace_id == context.trace_id);
  FUZZ_CHECK(outgoing.parent_span_id == context.span_id);
  FUZZ_CHECK(outgoing.sampled == context.sampled);
  if (!valid) {
    FUZZ_CHECK(!context.has_parent());
    return 0;
  }
  FUZZ_CHECK(input.size() >= kTraceparentSize);
  FUZZ_CHECK(std::any_of(parsed.trace_id.begin(), parsed.trace_id.end(), [](auto b) { return b; }));
  FUZZ_CHECK(context.trace_id == parsed.trace_id);
  FUZZ_CHECK(context.parent_span_id == parsed.parent_span_id);
  FUZZ_CHECK(context.sampled == parsed.sampled);
  TraceparentText text;
  format_traceparent(parsed.trace_id, parsed.parent_span_id, parsed.sampled, text);
  ParsedTraceparent again;
  FUZZ_CHECK(parse_traceparent(std::string_view(text.data(), text.size()), again));
  FUZZ_CHECK(again.trace_id == parsed.trace_id);
  FUZZ_CHECK(again.parent_span_id == parsed.parent_span_id);
  FUZZ_CHECK(again.sampled == parsed.sampled);
  return 0;
}
