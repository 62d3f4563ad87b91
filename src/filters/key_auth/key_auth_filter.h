// The "key_auth" filter: a request passes only with the API key of a consumer in the configured
// header; the consumer's name is passed upstream as X-Consumer-Name (replacing any the client
// sent) and the key is removed unless hide_credentials = false. Keys are looked up by their
// SHA-256 hash (credentials keep nothing else), in an index built once per config snapshot, so
// adding or revoking a credential through the admin API applies to the next request.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "filters/key_auth/config.h"
#include "pipeline/filter.h"

namespace apigw::filters::key_auth {

class KeyAuthFilter final : public pipeline::Filter {
 public:
  KeyAuthFilter(KeyAuthConfig config, const config::Config& snapshot_config);
  pipeline::Verdict on_request(pipeline::RequestContext& ctx) const override;

 private:
  pipeline::Verdict refuse(pipeline::RequestContext& ctx, std::string code,
                           std::string message) const;

  KeyAuthConfig config_;
  std::unordered_map<std::string, std::string> consumer_by_key_hash_;
};

std::unique_ptr<const pipeline::Filter> make_filter(const KeyAuthConfig& settings,
                                                    const config::Config& config);

}  // namespace apigw::filters::key_auth
