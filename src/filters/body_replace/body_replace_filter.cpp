#include "filters/body_replace/body_replace_filter.h"

#include <toml++/toml.h>

#include <algorithm>

#include "config/reader.h"

namespace apigw::filters::body_replace {

void replace_all(const std::vector<Replacement>& rules, std::string& body) {
  std::string replaced;
  for (const auto& rule : rules) {
    std::size_t at = body.find(rule.from);
    if (at == std::string::npos) continue;
    replaced.clear();
    std::size_t from = 0;
    for (; at != std::string::npos; at = body.find(rule.from, from)) {
      replaced.append(body, from, at - from).append(rule.to);
      from = at + rule.from.size();
    }
    replaced.append(body, from, std::string::npos);
    body.swap(replaced);
  }
}

bool media_type_listed(const std::vector<std::string>& types, std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  if (type.empty()) return false;
  return std::any_of(types.begin(), types.end(), [&](const std::string& listed) {
    if (listed.ends_with("/*")) {
      const std::string_view prefix(listed.data(), listed.size() - 1);
      return type.size() > prefix.size() && http::iequals(type.substr(0, prefix.size()), prefix);
    }
    return http::iequals(type, listed);
  });
}

pipeline::Verdict BodyReplaceFilter::on_request(pipeline::RequestContext& ctx) const {
  if (!config_.response.empty()) ctx.upstream_request_headers.remove.push_back("accept-encoding");
  return pipeline::Verdict::next;
}

pipeline::Verdict BodyReplaceFilter::on_request_body(pipeline::RequestContext& ctx) const {
  const std::string_view type = http::find_header(ctx.request().headers, http::Field::content_type);
  const std::string_view encoding = http::find_header(ctx.request().headers, "content-encoding");
  if (encoding.empty() && media_type_listed(config_.types, type)) {
    replace_all(config_.request, ctx.request_body);
  }
  return pipeline::Verdict::next;
}

void BodyReplaceFilter::on_response_body(pipeline::RequestContext& ctx) const {
  if (!ctx.response_header("content-encoding").empty()) return;
  if (!media_type_listed(config_.types, ctx.response_header(http::Field::content_type))) return;
  replace_all(config_.response, ctx.response_body);
}

namespace {

void read_rules(config::TableReader& reader, std::string_view key, std::vector<Replacement>& out) {
  const toml::node* node = reader.find(key);
  if (node == nullptr) return;
  const auto* array = node->as_array();
  const std::string message = "'" + std::string(key) +
                              "' of the body_replace filter must be an array of "
                              "{ from = \"...\", to = \"...\" } with a non-empty 'from'";
  if (array == nullptr) return reader.error(key, message);
  for (const auto& element : *array) {
    const auto* table = element.as_table();
    const auto* from = table != nullptr ? table->get_as<std::string>("from") : nullptr;
    const auto* to = table != nullptr ? table->get_as<std::string>("to") : nullptr;
    if (from == nullptr || to == nullptr || from->get().empty() || table->size() != 2) {
      return reader.error(key, message);
    }
    out.push_back({from->get(), to->get()});
  }
}

}  // namespace

std::optional<BodyReplaceConfig> parse_config(config::TableReader& reader) {
  reader.known_keys({"request", "response", "types"});
  BodyReplaceConfig parsed;
  read_rules(reader, "request", parsed.request);
  read_rules(reader, "response", parsed.response);
  if (reader.read_strings("types", parsed.types) && parsed.types.empty()) {
    reader.error("types", "'types' of the body_replace filter must not be empty");
  }
  if (reader.ok() && parsed.request.empty() && parsed.response.empty()) {
    reader.error("response", "the body_replace filter needs 'request' or 'response' rules");
  }
  if (!reader.ok()) return std::nullopt;
  return parsed;
}

std::unique_ptr<const pipeline::Filter> make_filter(const BodyReplaceConfig& settings,
                                                    const config::Config& /*config*/) {
  return std::make_unique<BodyReplaceFilter>(settings);
}

}  // namespace apigw::filters::body_replace
