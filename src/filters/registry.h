// The filter registry: the only table of filters (name -> parse its config, make the filter).
// Adding a filter is its own folder plus one line in registry.cpp.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/loader.h"
#include "config/reader.h"
#include "pipeline/filter.h"

namespace apigw::filters {

struct FilterFactory {
  std::string_view name;
  // Parses and validates one filters-list entry into the filter's own config struct.
  std::shared_ptr<const void> (*parse)(config::TableReader& entry);
  // Builds the filter from a config produced by `parse`, once per snapshot; `config` is the
  // snapshot's whole config, for filters that work on entities (key_auth reads the credentials).
  std::unique_ptr<const pipeline::Filter> (*make)(const void* settings,
                                                  const config::Config& config);
};

std::span<const FilterFactory> all_filters();

// The config loader's view of the registry.
class Registry final : public config::FilterCatalog {
 public:
  std::vector<std::string> filter_names() const override;
  std::shared_ptr<const void> parse_filter(std::string_view name,
                                           config::TableReader& entry) const override;
  // Builds the chain of a route from its parsed filters list.
  pipeline::FilterChain make_chain(const std::vector<config::FilterRef>& refs,
                                   const config::Config& config) const;
};

}  // namespace apigw::filters
