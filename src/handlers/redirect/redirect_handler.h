// The "redirect" handler: answers 301/302/303/307/308 with a Location built from a template.
//   handler = { name = "redirect", status = 308, location = "https://new.example.com{path}" }
// In `location`, {path} is the request's normalized path, {host} its Host, and any other {name}
// a parameter captured by the route's path_template ("/users/{id}" -> "/people/{id}"). The
// request's query is appended unless keep_query = false or the template places {query} itself.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/loader.h"
#include "config/reader.h"
#include "pipeline/handler.h"

namespace apigw::handlers::redirect {

// One piece of the Location template: literal text, or a variable.
struct LocationPart {
  enum class Kind : std::uint8_t { text, path, host, query, param } kind = Kind::text;
  std::string text;  // the literal, or the parameter's name
};

struct RedirectConfig {
  int status = 302;
  std::vector<LocationPart> location;
  bool keep_query = true;
};

// Parses "https://x{path}?a={id}" into parts. Returns an error message, empty on success.
std::string parse_location(std::string_view text, std::vector<LocationPart>& out);

class RedirectHandler final : public pipeline::Handler {
 public:
  explicit RedirectHandler(RedirectConfig config);
  pipeline::Verdict handle(pipeline::RequestContext& ctx) const override;

 private:
  RedirectConfig config_;
  bool places_query_ = false;
};

std::optional<RedirectConfig> parse_config(config::TableReader& reader);
std::unique_ptr<const pipeline::Handler> make_handler(const RedirectConfig& settings,
                                                      const config::Config& config);

}  // namespace apigw::handlers::redirect
