#include "filters/compression/compression_filter.h"

#include <algorithm>
#include <charconv>

#include "config/reader.h"
#include "filters/compression/encoder.h"

namespace apigw::filters::compression {
namespace {

// Feeds the body through an encoder; each chunk is flushed so a streamed response (server-sent
// events, a long JSON stream) reaches the client as it comes.
class EncodingTransform final : public pipeline::BodyTransform {
 public:
  explicit EncodingTransform(std::unique_ptr<Encoder> encoder) : encoder_(std::move(encoder)) {}
  void write(std::string_view chunk, std::string& out) override {
    if (chunk.empty()) return;
    ok_ = ok_ && encoder_->write(chunk, out) && encoder_->flush(out);
  }
  void finish(std::string& out) override { ok_ = ok_ && encoder_->finish(out); }

 private:
  std::unique_ptr<Encoder> encoder_;
  bool ok_ = true;  // after a failure (out of memory) nothing more is written
};

std::string_view media_type(std::string_view content_type) {
  const std::size_t end = content_type.find(';');
  std::string_view type = content_type.substr(0, end);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return type;
}

}  // namespace

bool CompressionFilter::compressible_type(std::string_view content_type) const {
  const std::string_view type = media_type(content_type);
  if (type.empty()) return false;
  return std::any_of(config_.types.begin(), config_.types.end(), [&](const std::string& listed) {
    if (listed.size() >= 2 && listed.ends_with("/*")) {
      const std::string_view prefix(listed.data(), listed.size() - 1);  // "text/"
      return type.size() > prefix.size() && http::iequals(type.substr(0, prefix.size()), prefix);
    }
    return http::iequals(type, listed);
  });
}

void CompressionFilter::on_response(pipeline::RequestContext& ctx) const {
  const http::RequestHead& head = ctx.request();
  const int status = ctx.response_status;
  if (head.method == http::Method::head || status < 200 || status == 204 || status == 206 ||
      status == 304) {
    return;
  }
  if (!compressible_type(ctx.response_header(http::Field::content_type))) return;
  if (!ctx.response_header("content-encoding").empty() ||
      !ctx.response_header("content-range").empty()) {
    return;
  }
  const std::string_view cache_control = ctx.response_header("cache-control");
  if (http::list_contains_token(cache_control, "no-transform")) return;
  // From here the answer depends on Accept-Encoding, compressed or not.
  ctx.response_headers.add.push_back({"Vary", "Accept-Encoding"});
  if (const auto* upstream = ctx.upstream_response) {
    if (upstream->framing == http::BodyFraming::none) return;
    if (upstream->framing == http::BodyFraming::content_length &&
        upstream->content_length < config_.min_size) {
      return;
    }
  } else if (!ctx.local_reply || ctx.local_reply->body.size() < config_.min_size) {
    return;  // the gateway's own errors are small
  }
  std::vector<std::string_view> accepted;
  for (const auto& header : head.headers) {
    if (http::iequals(header.name, "accept-encoding")) accepted.push_back(header.value);
  }
  const Coding coding = choose_coding(accepted, config_.codings);
  if (coding == Coding::identity) return;
  int level = default_level(coding);
  if (coding == Coding::gzip && config_.gzip_level > 0) level = config_.gzip_level;
  if (coding == Coding::br && config_.brotli_quality >= 0) level = config_.brotli_quality;
  std::unique_ptr<Encoder> encoder = Encoder::make(coding, level);
  if (!encoder) return;
  ctx.response_transforms.push_back(std::make_unique<EncodingTransform>(std::move(encoder)));
  ctx.response_headers.set.push_back({"Content-Encoding", std::string(coding_name(coding))});
  if (const std::string_view etag = ctx.response_header("etag");
      !etag.empty() && !etag.starts_with("W/")) {
    ctx.response_headers.set.push_back({"ETag", "W/" + std::string(etag)});
  }
}

std::optional<CompressionConfig> parse_config(config::TableReader& reader) {
  reader.known_keys({"types", "min_size", "codings", "gzip_level", "brotli_quality"});
  CompressionConfig parsed;
  if (reader.read_strings("types", parsed.types) && parsed.types.empty()) {
    reader.error("types", "'types' of the compression filter must not be empty");
  }
  reader.read_size("min_size", parsed.min_size);
  std::vector<std::string> codings;
  if (reader.read_strings("codings", codings)) {
    parsed.codings = {false, false};
    for (const auto& coding : codings) {
      if (coding == "br") {
        parsed.codings.br = true;
      } else if (coding == "gzip") {
        parsed.codings.gzip = true;
      } else {
        reader.error("codings", "unknown coding '" + coding + "' (br, gzip)");
      }
    }
  }
  std::uint32_t level = 0;
  if (reader.read_count("gzip_level", level)) {
    if (level < 1 || level > 9) reader.error("gzip_level", "'gzip_level' must be 1 to 9");
    parsed.gzip_level = static_cast<int>(level);
  }
  if (reader.read_count("brotli_quality", level)) {
    if (level > 11) reader.error("brotli_quality", "'brotli_quality' must be 0 to 11");
    parsed.brotli_quality = static_cast<int>(level);
  }
  if (!reader.ok()) return std::nullopt;
  return parsed;
}

std::unique_ptr<const pipeline::Filter> make_filter(const CompressionConfig& settings,
                                                    const config::Config& /*config*/) {
  return std::make_unique<CompressionFilter>(settings);
}

}  // namespace apigw::filters::compression
