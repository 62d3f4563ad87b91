// Fuzzes the PROXY protocol parser: besides not crashing, every answer must be consistent with the
// answers for the input's prefixes and extensions, since a connection feeds it growing buffers.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "http/proxy_protocol.h"

using apigw::http::parse_proxy_protocol;
using apigw::http::ProxyParseResult;
using apigw::http::ProxyParseStatus;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const ProxyParseResult result = parse_proxy_protocol(input);
  switch (result.status) {
    case ProxyParseStatus::done: {
      FUZZ_CHECK(result.error.empty());
      FUZZ_CHECK(result.header_bytes > 0 && result.header_bytes <= size);
      FUZZ_CHECK(result.header_bytes <=
                 std::max(apigw::http::kMaxProxyV1Bytes, apigw::http::kMaxProxyV2Bytes));
      // The header alone gives the same answer; one byte less asks for more.
      const ProxyParseResult alone = parse_proxy_protocol(input.substr(0, result.header_bytes));
      FUZZ_CHECK(alone.status == ProxyParseStatus::done);
      FUZZ_CHECK(alone.header_bytes == result.header_bytes);
      FUZZ_CHECK(alone.header.source_text == result.header.source_text);
      FUZZ_CHECK(alone.header.destination_port == result.header.destination_port);
      FUZZ_CHECK(parse_proxy_protocol(input.substr(0, result.header_bytes - 1)).status ==
                 ProxyParseStatus::need_more);
      const auto& header = result.header;
      if (header.local) {
        FUZZ_CHECK(header.source_text.empty() && header.destination_text.empty());
      } else {
        FUZZ_CHECK(apigw::util::parse_ip(header.source_text) == header.source);
        FUZZ_CHECK(apigw::util::parse_ip(header.destination_text) == header.destination);
      }
      break;
    }
    case ProxyParseStatus::error: {
      FUZZ_CHECK(!result.error.empty());
      // More bytes cannot repair what is already wrong.
      const std::string longer = std::string(input) + "\r\n";
      FUZZ_CHECK(parse_proxy_protocol(longer).status == ProxyParseStatus::error);
      break;
    }
    case ProxyParseStatus::need_more:
      FUZZ_CHECK(result.error.empty());
      FUZZ_CHECK(size < apigw::http::kMaxProxyV2Bytes);
      break;
  }
  return 0;
}
