// The "compression" filter: compresses responses with Brotli or gzip, as the client's
// Accept-Encoding prefers (q-values), while they stream (no whole-body buffering: each chunk the
// upstream sends is compressed and flushed on). Left alone: responses already encoded, partial
// content, `Cache-Control: no-transform`, bodies known to be under `min_size`, types not listed,
// HEAD requests and answers without a body. Sets `Vary: Accept-Encoding`; a strong ETag becomes
// weak (the bytes differ from the upstream's).
//   filters = [{ name = "compression", types = ["text/html", "application/json"],
//                min_size = "1KiB", codings = ["br", "gzip"], gzip_level = 1, brotli_quality = 4 }]
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/loader.h"
#include "config/reader.h"
#include "filters/compression/accept_encoding.h"
#include "pipeline/filter.h"

namespace apigw::filters::compression {

struct CompressionConfig {
  // Media types compressed (without parameters); "text/*" covers every text type.
  std::vector<std::string> types{
      "text/*",          "application/json",         "application/javascript",
      "application/xml", "application/problem+json", "application/x-ndjson",
      "image/svg+xml"};
  std::uint64_t min_size = 1024;  // bodies known to be smaller are sent as they are
  SupportedCodings codings;       // from `codings = ["br", "gzip"]`
  int gzip_level = 0;             // 0: the encoder's default (encoder.h says why)
  int brotli_quality = -1;        // -1: the encoder's default
};

class CompressionFilter final : public pipeline::Filter {
 public:
  explicit CompressionFilter(CompressionConfig config) : config_(std::move(config)) {}
  pipeline::Verdict on_request(pipeline::RequestContext&) const override {
    return pipeline::Verdict::next;
  }
  void on_response(pipeline::RequestContext& ctx) const override;

 private:
  bool compressible_type(std::string_view content_type) const;

  CompressionConfig config_;
};

std::optional<CompressionConfig> parse_config(config::TableReader& reader);
std::unique_ptr<const pipeline::Filter> make_filter(const CompressionConfig& settings,
                                                    const config::Config& config);

}  // namespace apigw::filters::compression
