// The "ip_restriction" filter: refuses clients by address (403 forbidden). The address is the
// client's as the gateway knows it: the TCP peer, or, behind [server] trusted_proxies, the
// rightmost untrusted X-Forwarded-For hop.
//   filters = [{ name = "ip_restriction", allow = ["10.0.0.0/8", "2001:db8::/32"],
//                deny = ["10.6.6.0/24"] }]
// A client in `deny` is refused; with `allow` set, a client outside it is refused too.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "config/loader.h"
#include "config/reader.h"
#include "pipeline/filter.h"
#include "util/cidr.h"

namespace apigw::filters::ip_restriction {

struct IpRestrictionConfig {
  std::vector<util::Cidr> allow;  // empty: everyone not denied
  std::vector<util::Cidr> deny;
};

class IpRestrictionFilter final : public pipeline::Filter {
 public:
  explicit IpRestrictionFilter(const IpRestrictionConfig& config)
      : allow_(config.allow), deny_(config.deny), has_allow_(!config.allow.empty()) {}
  pipeline::Verdict on_request(pipeline::RequestContext& ctx) const override;

 private:
  util::CidrSet allow_;
  util::CidrSet deny_;
  bool has_allow_;
};

std::optional<IpRestrictionConfig> parse_config(config::TableReader& reader);
std::unique_ptr<const pipeline::Filter> make_filter(const IpRestrictionConfig& settings,
                                                    const config::Config& config);

}  // namespace apigw::filters::ip_restriction
