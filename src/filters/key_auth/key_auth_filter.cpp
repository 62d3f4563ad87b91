#include "filters/key_auth/key_auth_filter.h"

#include "util/secret_hash.h"

namespace apigw::filters::key_auth {

KeyAuthFilter::KeyAuthFilter(KeyAuthConfig config, const config::Config& snapshot_config)
    : config_(std::move(config)) {
  for (const auto& credential : snapshot_config.credentials) {
    if (credential.kind == config::CredentialConfig::Kind::api_key) {
      consumer_by_key_hash_.emplace(credential.secret_hash, credential.consumer);
    }
  }
}

pipeline::Verdict KeyAuthFilter::refuse(pipeline::RequestContext& ctx, std::string code,
                                        std::string message) const {
  pipeline::LocalReply reply;
  reply.status = 401;
  reply.code = std::move(code);
  reply.message = std::move(message);
  reply.headers.push_back({"www-authenticate", "ApiKey header=\"" + config_.header + "\""});
  ctx.local_reply = std::move(reply);
  return pipeline::Verdict::stop;
}

pipeline::Verdict KeyAuthFilter::on_request(pipeline::RequestContext& ctx) const {
  const std::string_view key = http::find_header(ctx.request().headers, config_.header);
  if (key.empty()) {
    return refuse(ctx, "missing_api_key",
                  "an API key is required in the '" + config_.header + "' header");
  }
  const auto found = consumer_by_key_hash_.find(util::hash_api_key(key));
  if (found == consumer_by_key_hash_.end()) {
    return refuse(ctx, "invalid_api_key", "the API key is not valid");
  }
  ctx.upstream_request_headers.set.push_back({"x-consumer-name", found->second});
  ctx.consumer = found->second;
  if (config_.hide_credentials) ctx.upstream_request_headers.remove.push_back(config_.header);
  return pipeline::Verdict::next;
}

std::unique_ptr<const pipeline::Filter> make_filter(const KeyAuthConfig& settings,
                                                    const config::Config& config) {
  return std::make_unique<KeyAuthFilter>(settings, config);
}

}  // namespace apigw::filters::key_auth
