// Path templates such as "/users/{id}/posts/{post}": each "{name}" matches exactly one non-empty
// path segment; a last segment "{*name}" matches the rest of the path after its slash, slashes
// included, possibly nothing ("/files/{*rest}" takes "/files/a/b.txt" and "/files/", not
// "/files"). Parsed once at config load; used by the router to match and by rewrites to build.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace apigw::http {

struct TemplateSegment {
  bool is_param = false;
  std::string text;   // literal segment text, or the parameter's name
  bool rest = false;  // "{*name}": the rest of the path (the last segment only)
};

// A parsed template: the segments between slashes. "/" alone has no segments.
struct PathTemplate {
  std::vector<TemplateSegment> segments;
  std::size_t literal_count() const;
  bool has_param(std::string_view name) const;
  // Ends with a "{*name}" segment.
  bool ends_with_rest() const { return !segments.empty() && segments.back().rest; }
};

// Parses `text`. On failure returns false and sets `error` (e.g. "empty parameter name",
// "duplicate parameter 'id'", "template must start with '/'", "'{' must span a whole segment").
bool parse_path_template(std::string_view text, PathTemplate& out, std::string& error);

// Captured parameters of one match; values point into the matched path.
struct PathParam {
  std::string_view name;
  std::string_view value;
};
using PathParams = std::vector<PathParam>;

// Matches a normalized path against a template; on success appends captures to `params`.
// A trailing slash on the path is not ignored ("/users/1/" does not match "/users/{id}").
bool match_path_template(const PathTemplate& tmpl, std::string_view path, PathParams& params);

// Expands a template with captured values ("/u/{id}" + id=7 -> "/u/7"), appending to `out`.
// Parameters missing from `params` expand to nothing (config validation prevents that).
void expand_path_template(const PathTemplate& tmpl, const PathParams& params, std::string& out);

}  // namespace apigw::http
