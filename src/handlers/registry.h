// The handler registry: the only table of handlers (name -> parse its config, make the handler),
// as filters/registry.h is for filters. Adding a handler is its own folder plus one line in
// registry.cpp.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/loader.h"
#include "config/reader.h"
#include "pipeline/handler.h"

namespace apigw::handlers {

struct HandlerFactory {
  std::string_view name;
  std::shared_ptr<const void> (*parse)(config::TableReader& entry);
  std::unique_ptr<const pipeline::Handler> (*make)(const void* settings,
                                                   const config::Config& config);
};

std::span<const HandlerFactory> all_handlers();
std::vector<std::string> handler_names();
std::shared_ptr<const void> parse_handler(std::string_view name, config::TableReader& entry);
// Builds a route's handler from its parsed `handler` table, once per snapshot.
std::unique_ptr<const pipeline::Handler> make_handler(const config::FilterRef& ref,
                                                      const config::Config& config);

}  // namespace apigw::handlers
