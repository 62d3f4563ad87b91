#include "filters/registry.h"

#include "filters/body_replace/body_replace_filter.h"
#include "filters/compression/compression_filter.h"
#include "filters/cors/cors_filter.h"
#include "filters/forward_auth/forward_auth_filter.h"
#include "filters/headers/config.h"
#include "filters/headers/headers_filter.h"
#include "filters/ip_restriction/ip_restriction_filter.h"
#include "filters/key_auth/key_auth_filter.h"
#include "pipeline/typed_factory.h"

namespace apigw::filters {

std::span<const FilterFactory> all_filters() {
  static const FilterFactory kFilters[] = {
      pipeline::typed_factory<FilterFactory, body_replace::BodyReplaceConfig,
                              &body_replace::parse_config, &body_replace::make_filter>(
          "body_replace"),
      pipeline::typed_factory<FilterFactory, compression::CompressionConfig,
                              &compression::parse_config, &compression::make_filter>("compression"),
      pipeline::typed_factory<FilterFactory, cors::CorsConfig, &cors::parse_config,
                              &cors::make_filter>("cors"),
      pipeline::typed_factory<FilterFactory, forward_auth::ForwardAuthConfig,
                              &forward_auth::parse_config, &forward_auth::make_filter>(
          "forward_auth"),
      pipeline::typed_factory<FilterFactory, headers::HeadersConfig, &headers::parse_config,
                              &headers::make_filter>("headers"),
      pipeline::typed_factory<FilterFactory, key_auth::KeyAuthConfig, &key_auth::parse_config,
                              &key_auth::make_filter>("key_auth"),
      pipeline::typed_factory<FilterFactory, ip_restriction::IpRestrictionConfig,
                              &ip_restriction::parse_config, &ip_restriction::make_filter>(
          "ip_restriction"),
  };
  return kFilters;
}

namespace {
const FilterFactory* find_factory(std::string_view name) {
  for (const auto& factory : all_filters()) {
    if (factory.name == name) return &factory;
  }
  return nullptr;
}
}  // namespace

std::vector<std::string> Registry::filter_names() const {
  std::vector<std::string> names;
  for (const auto& factory : all_filters()) names.emplace_back(factory.name);
  return names;
}

std::shared_ptr<const void> Registry::parse_filter(std::string_view name,
                                                   config::TableReader& entry) const {
  const FilterFactory* factory = find_factory(name);
  if (factory == nullptr) return nullptr;  // the loader reports unknown names
  return factory->parse(entry);
}

pipeline::FilterChain Registry::make_chain(const std::vector<config::FilterRef>& refs,
                                           const config::Config& config) const {
  std::vector<std::unique_ptr<const pipeline::Filter>> chain;
  for (const auto& ref : refs) {
    if (const FilterFactory* factory = find_factory(ref.name)) {
      chain.push_back(factory->make(ref.settings.get(), config));
    }
  }
  return pipeline::FilterChain(std::move(chain));
}

}  // namespace apigw::filters
