#include "pipeline/request_context.h"

namespace apigw::pipeline {

bool HeaderEdits::overrides(std::string_view name) const {
  for (const auto& header : set) {
    if (http::iequals(header.name, name)) return true;
  }
  for (const auto& removed : remove) {
    if (http::iequals(removed, name)) return true;
  }
  return false;
}

}  // namespace apigw::pipeline
