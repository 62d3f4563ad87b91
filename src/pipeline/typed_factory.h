// Registry entries with typed settings: a filter's or handler's parser returns its own config
// struct and its make function takes it; the one cast from the type-erased settings the config
// carries (config::FilterRef::settings) is here, nowhere else.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "config/loader.h"
#include "config/reader.h"

namespace apigw::pipeline {

template <typename Factory, typename Settings, auto Parse, auto Make>
constexpr Factory typed_factory(std::string_view name) {
  return Factory{name,
                 [](config::TableReader& entry) -> std::shared_ptr<const void> {
                   std::optional<Settings> parsed = Parse(entry);
                   if (!parsed) return nullptr;
                   return std::make_shared<const Settings>(std::move(*parsed));
                 },
                 [](const void* settings, const config::Config& config) {
                   return Make(*static_cast<const Settings*>(settings), config);
                 }};
}

}  // namespace apigw::pipeline
