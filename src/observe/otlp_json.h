// OTLP/HTTP JSON encoding of spans (the ExportTraceServiceRequest message of
// opentelemetry-proto, in protobuf's JSON mapping as the OTLP specification gives it: ids in
// lower-case hex, 64-bit integers as strings, enums as numbers). Written by hand: Debian has no
// OpenTelemetry C++ SDK, and the message is three nested arrays of a dozen field names.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "observe/span.h"

namespace apigw::observe {

// The resource every span of the gateway belongs to.
struct OtlpResource {
  std::string_view service_name;
  std::string_view service_version;
  std::string_view host_name;
  std::string_view instance_id;  // service.instance.id: what tells two gateways apart
};

// Appends {"resourceSpans":[...]} for `spans` to `out`.
void encode_otlp_json(std::span<const Span> spans, const OtlpResource& resource, std::string& out);

}  // namespace apigw::observe
