// The "body_replace" filter (NGINX's sub_filter): replaces text in request and response bodies,
// e.g. the internal address a backend writes into its HTML or JSON links. It holds the bodies it
// edits whole (up to the route's max_buffered_body_bytes), so Content-Length is recomputed.
//   filters = [{ name = "body_replace",
//                response = [{ from = "http://orders.internal:8080", to = "https://api.example.com"
//                }], request = [{ from = "api.example.com", to = "orders.internal" }], types =
//                ["text/html", "application/json"] }]
// Only bodies of the listed media types are edited. With response rules, the upstream is asked
// for an uncompressed answer (its Accept-Encoding is removed): compressed bytes cannot be edited.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/loader.h"
#include "config/reader.h"
#include "pipeline/filter.h"

namespace apigw::filters::body_replace {

struct Replacement {
  std::string from;  // not empty
  std::string to;
};

struct BodyReplaceConfig {
  std::vector<Replacement> request;
  std::vector<Replacement> response;
  std::vector<std::string> types{"text/*", "application/json", "application/javascript",
                                 "application/xml"};
};

// Replaces every occurrence of each rule's `from`, rule after rule, left to right.
void replace_all(const std::vector<Replacement>& rules, std::string& body);
// Whether `content_type` (parameters ignored) is one of `types` ("text/*" covers text/...).
bool media_type_listed(const std::vector<std::string>& types, std::string_view content_type);

class BodyReplaceFilter final : public pipeline::Filter {
 public:
  explicit BodyReplaceFilter(BodyReplaceConfig config) : config_(std::move(config)) {}
  pipeline::Verdict on_request(pipeline::RequestContext& ctx) const override;
  pipeline::BodyNeeds body_needs() const override {
    return {!config_.request.empty(), !config_.response.empty()};
  }
  pipeline::Verdict on_request_body(pipeline::RequestContext& ctx) const override;
  void on_response_body(pipeline::RequestContext& ctx) const override;

 private:
  BodyReplaceConfig config_;
};

std::optional<BodyReplaceConfig> parse_config(config::TableReader& reader);
std::unique_ptr<const pipeline::Filter> make_filter(const BodyReplaceConfig& settings,
                                                    const config::Config& config);

}  // namespace apigw::filters::body_replace
