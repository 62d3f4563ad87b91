#include "handlers/registry.h"

#include "handlers/redirect/redirect_handler.h"
#include "handlers/static/static_handler.h"
#include "pipeline/typed_factory.h"

namespace apigw::handlers {

std::span<const HandlerFactory> all_handlers() {
  static const HandlerFactory kHandlers[] = {
      pipeline::typed_factory<HandlerFactory, redirect::RedirectConfig, &redirect::parse_config,
                              &redirect::make_handler>("redirect"),
      pipeline::typed_factory<HandlerFactory, static_response::StaticConfig,
                              &static_response::parse_config, &static_response::make_handler>(
          "static"),
  };
  return kHandlers;
}

namespace {
const HandlerFactory* find_factory(std::string_view name) {
  for (const auto& factory : all_handlers()) {
    if (factory.name == name) return &factory;
  }
  return nullptr;
}
}  // namespace

std::vector<std::string> handler_names() {
  std::vector<std::string> names;
  for (const auto& factory : all_handlers()) names.emplace_back(factory.name);
  return names;
}

std::shared_ptr<const void> parse_handler(std::string_view name, config::TableReader& entry) {
  const HandlerFactory* factory = find_factory(name);
  return factory != nullptr ? factory->parse(entry) : nullptr;
}

std::unique_ptr<const pipeline::Handler> make_handler(const config::FilterRef& ref,
                                                      const config::Config& config) {
  const HandlerFactory* factory = find_factory(ref.name);
  return factory != nullptr ? factory->make(ref.settings.get(), config) : nullptr;
}

}  // namespace apigw::handlers
