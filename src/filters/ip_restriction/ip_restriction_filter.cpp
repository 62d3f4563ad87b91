#include "filters/ip_restriction/ip_restriction_filter.h"

#include "config/reader.h"

namespace apigw::filters::ip_restriction {

pipeline::Verdict IpRestrictionFilter::on_request(pipeline::RequestContext& ctx) const {
  const bool refused =
      deny_.contains(ctx.client_ip) || (has_allow_ && !allow_.contains(ctx.client_ip));
  if (!refused) return pipeline::Verdict::next;
  ctx.local_reply =
      pipeline::LocalReply::error(403, "forbidden", "your address may not use this route");
  return pipeline::Verdict::stop;
}

std::optional<IpRestrictionConfig> parse_config(config::TableReader& reader) {
  reader.known_keys({"allow", "deny"});
  IpRestrictionConfig parsed;
  for (const char* key : {"allow", "deny"}) {
    std::vector<std::string> blocks;
    reader.read_strings(key, blocks);
    for (const auto& text : blocks) {
      std::string problem;
      if (auto cidr = util::parse_cidr(text, &problem)) {
        (std::string_view(key) == "allow" ? parsed.allow : parsed.deny).push_back(*cidr);
      } else {
        reader.error(key, "invalid address block '" + text + "' in '" + key + "': " + problem);
      }
    }
  }
  if (reader.ok() && parsed.allow.empty() && parsed.deny.empty()) {
    reader.error("allow", "the ip_restriction filter needs 'allow' or 'deny'");
  }
  if (!reader.ok()) return std::nullopt;
  return parsed;
}

std::unique_ptr<const pipeline::Filter> make_filter(const IpRestrictionConfig& settings,
                                                    const config::Config& /*config*/) {
  return std::make_unique<IpRestrictionFilter>(settings);
}

}  // namespace apigw::filters::ip_restriction
