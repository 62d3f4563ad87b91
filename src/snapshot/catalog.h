// Everything a config may name as an extension: the filters (filters/registry.h) and the handlers
// (handlers/registry.h), behind the one interface the config loader knows.
#pragma once

#include "filters/registry.h"
#include "handlers/registry.h"

namespace apigw::snapshot {

class Catalog final : public config::FilterCatalog {
 public:
  std::vector<std::string> filter_names() const override { return filters_.filter_names(); }
  std::shared_ptr<const void> parse_filter(std::string_view name,
                                           config::TableReader& entry) const override {
    return filters_.parse_filter(name, entry);
  }
  std::vector<std::string> handler_names() const override { return handlers::handler_names(); }
  std::shared_ptr<const void> parse_handler(std::string_view name,
                                            config::TableReader& entry) const override {
    return handlers::parse_handler(name, entry);
  }
  pipeline::FilterChain make_chain(const std::vector<config::FilterRef>& refs,
                                   const config::Config& config) const {
    return filters_.make_chain(refs, config);
  }

 private:
  filters::Registry filters_;
};

}  // namespace apigw::snapshot
