#include "proxy/router/rewrite.h"

#include <stdexcept>

#include "proxy/router/router.h"

namespace apigw::proxy {
namespace {

// What is left of `path` after removing `prefix`; it starts with '/' or is empty. A prefix written
// with a trailing slash keeps that slash in the rest, so both spellings rewrite alike.
std::string_view rest_after_prefix(std::string_view path, std::string_view prefix) {
  const std::size_t cut = prefix.ends_with('/') ? prefix.size() - 1 : prefix.size();
  return path.substr(cut);
}

}  // namespace

PathRewrite PathRewrite::compile(const config::RouteConfig& route) {
  using Kind = config::RewriteConfig::Kind;
  PathRewrite rewrite;
  rewrite.kind_ = route.rewrite.kind;
  switch (route.rewrite.kind) {
    case Kind::none:
      break;
    case Kind::strip_prefix:
      rewrite.prefix_ = route.rewrite.value;
      break;
    case Kind::replace_prefix:
      for (const config::PathMatch& path : route.match.paths) {
        if (path.kind != config::PathMatchKind::prefix &&
            path.kind != config::PathMatchKind::exact) {
          throw std::invalid_argument("route '" + route.name +
                                      "': replace_prefix needs a prefix or exact path to replace");
        }
        rewrite.prefixes_.push_back(path.value);
      }
      rewrite.replacement_ = route.rewrite.value;
      break;
    case Kind::templated: {
      std::string error;
      if (!http::parse_path_template(route.rewrite.value, rewrite.template_, error)) {
        throw std::invalid_argument("route '" + route.name + "': rewrite template: " + error);
      }
      break;
    }
  }
  return rewrite;
}

void PathRewrite::apply(std::string_view path, const http::PathParams& params, std::string& out,
                        std::size_t matched_path) const {
  using Kind = config::RewriteConfig::Kind;
  switch (kind_) {
    case Kind::none:
      out += path;
      return;
    case Kind::strip_prefix: {
      if (!path_has_prefix(path, prefix_)) {
        out += path;
        return;
      }
      const std::string_view rest = rest_after_prefix(path, prefix_);
      out += rest.empty() ? std::string_view("/") : rest;
      return;
    }
    case Kind::replace_prefix: {
      const std::string& prefix = prefixes_[matched_path < prefixes_.size() ? matched_path : 0];
      if (!path_has_prefix(path, prefix)) {
        out += path;  // the route matched, so only a caller passing another path gets here
        return;
      }
      std::string_view rest = rest_after_prefix(path, prefix);
      if (replacement_.ends_with('/') && !rest.empty()) rest.remove_prefix(1);
      out += replacement_;
      out += rest;
      if (replacement_.empty() && rest.empty()) out += '/';
      return;
    }
    case Kind::templated:
      http::expand_path_template(template_, params, out);
      return;
  }
}

}  // namespace apigw::proxy
