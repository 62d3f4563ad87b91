// Path rewrites: how a route turns the request path into the path sent upstream.
//   strip_prefix "/api":     "/api/users" -> "/users", "/api" -> "/" (never empty); a path that
//                            does not start with the prefix (whole segments) is left unchanged.
//   replace_prefix "/v2":    on a route matching prefix "/api", "/api/users" -> "/v2/users" and
//                            "/api" -> "/v2"; the route's own path is what gets replaced (of a
//                            route with several prefixes, the one that matched), and the join
//                            never doubles the slash ("/v2/" + "/users" -> "/v2/users").
//   templated "/u/{id}/p":   expanded with the parameters the matched path (a template or a regex
//                            with named groups) captured.
// The query string is not part of the path; the caller appends it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/schema.h"
#include "http/path_template.h"

namespace apigw::proxy {

// A route's path rewrite, compiled once from its RewriteConfig and its match.
class PathRewrite {
 public:
  // Throws std::invalid_argument for a rewrite template that does not parse, or replace_prefix on
  // a route whose path is a template (it has no prefix to replace).
  static PathRewrite compile(const config::RouteConfig& route);

  bool empty() const { return kind_ == config::RewriteConfig::Kind::none; }

  // Appends the upstream path for `path` (normalized request path) to `out`. `matched_path` is
  // the index of the route's path that matched (Router's RouteMatchResult::path).
  void apply(std::string_view path, const http::PathParams& params, std::string& out,
             std::size_t matched_path = 0) const;

 private:
  config::RewriteConfig::Kind kind_ = config::RewriteConfig::Kind::none;
  std::string prefix_;                 // strip_prefix: the prefix
  std::vector<std::string> prefixes_;  // replace_prefix: the route's paths, by index
  std::string replacement_;            // replace_prefix: the new prefix
  http::PathTemplate template_;
};

}  // namespace apigw::proxy
