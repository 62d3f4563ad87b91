#include "handlers/redirect/redirect_handler.h"

#include <algorithm>

#include "config/reader.h"
#include "handlers/header_names.h"

namespace apigw::handlers::redirect {

std::string parse_location(std::string_view text, std::vector<LocationPart>& out) {
  if (text.empty()) return "'location' must not be empty";
  if (!is_valid_header_value(text)) return "'location' must be printable";
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t open = text.find('{', pos);
    if (open == std::string_view::npos) {
      out.push_back({LocationPart::Kind::text, std::string(text.substr(pos))});
      break;
    }
    if (open > pos)
      out.push_back({LocationPart::Kind::text, std::string(text.substr(pos, open - pos))});
    const std::size_t close = text.find('}', open);
    if (close == std::string_view::npos) return "'location' has a '{' without its '}'";
    const std::string_view name = text.substr(open + 1, close - open - 1);
    if (name.empty() || name.find('{') != std::string_view::npos) {
      return "'location' has an empty or nested '{}'";
    }
    LocationPart part;
    if (name == "path") {
      part.kind = LocationPart::Kind::path;
    } else if (name == "host") {
      part.kind = LocationPart::Kind::host;
    } else if (name == "query") {
      part.kind = LocationPart::Kind::query;
    } else {
      part.kind = LocationPart::Kind::param;
      part.text = std::string(name);
    }
    out.push_back(std::move(part));
    pos = close + 1;
  }
  return {};
}

RedirectHandler::RedirectHandler(RedirectConfig config) : config_(std::move(config)) {
  places_query_ =
      std::any_of(config_.location.begin(), config_.location.end(),
                  [](const LocationPart& p) { return p.kind == LocationPart::Kind::query; });
}

pipeline::Verdict RedirectHandler::handle(pipeline::RequestContext& ctx) const {
  const http::RequestHead& head = ctx.request();
  std::string location;
  for (const auto& part : config_.location) {
    switch (part.kind) {
      case LocationPart::Kind::text:
        location.append(part.text);
        break;
      case LocationPart::Kind::path:
        location.append(ctx.path);
        break;
      case LocationPart::Kind::host:
        location.append(head.host);
        break;
      case LocationPart::Kind::query:
        location.append(head.query);
        break;
      case LocationPart::Kind::param:
        if (ctx.params != nullptr) {
          for (const auto& param : *ctx.params) {
            if (param.name == part.text) location.append(param.value);
          }
        }
        break;
    }
  }
  if (config_.keep_query && !places_query_ && head.has_query) {
    location.append(location.find('?') == std::string::npos ? "?" : "&").append(head.query);
  }
  pipeline::LocalReply reply;
  reply.status = config_.status;
  reply.headers.push_back({"Location", std::move(location)});
  ctx.local_reply = std::move(reply);
  return pipeline::Verdict::stop;
}

std::optional<RedirectConfig> parse_config(config::TableReader& reader) {
  reader.known_keys({"status", "location", "keep_query"});
  RedirectConfig parsed;
  std::uint32_t status = 302;
  if (reader.read_count("status", status) &&
      (status != 301 && status != 302 && status != 303 && status != 307 && status != 308)) {
    reader.error("status", "redirect 'status' must be 301, 302, 303, 307 or 308");
  }
  parsed.status = static_cast<int>(status);
  std::string location;
  if (!reader.read_string("location", location)) {
    if (reader.find("location") == nullptr)
      reader.error("location", "the redirect handler needs 'location'");
  } else if (const std::string problem = parse_location(location, parsed.location);
             !problem.empty()) {
    reader.error("location", problem);
  }
  reader.read_bool("keep_query", parsed.keep_query);
  if (!reader.ok()) return std::nullopt;
  return parsed;
}

std::unique_ptr<const pipeline::Handler> make_handler(const RedirectConfig& settings,
                                                      const config::Config& /*config*/) {
  return std::make_unique<RedirectHandler>(settings);
}

}  // namespace apigw::handlers::redirect
