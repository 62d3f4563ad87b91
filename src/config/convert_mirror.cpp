// TOML -> MirrorConfig: a route's `mirror = { upstream, percent, max_body_bytes, timeout }`.
// Ranges and the upstream reference are checked by validate_mirror.cpp, with the whole config.
#include <toml++/toml.h>

#include "config/detail.h"
#include "config/reader.h"

namespace apigw::config::detail {

MirrorConfig convert_mirror(const toml::table& table, const std::string& path, LoadContext& ctx) {
  MirrorConfig mirror;
  TableReader reader(table, path, {"upstream", "percent", "max_body_bytes", "timeout"}, ctx);
  reader.read_string("upstream", mirror.upstream, Presence::required);
  // An integer or a fraction ("0.5" copies one request in 200).
  if (const toml::node* percent = reader.find("percent")) {
    if (const auto* integer = percent->as_integer()) {
      mirror.percent = static_cast<double>(integer->get());
    } else if (const auto* real = percent->as_floating_point()) {
      mirror.percent = real->get();
    } else {
      ctx.error(*percent, "'percent' must be a number (0-100)");
    }
  }
  reader.read_size("max_body_bytes", mirror.max_body_bytes);
  reader.read_duration("timeout", mirror.timeout);
  return mirror;
}

}  // namespace apigw::config::detail
