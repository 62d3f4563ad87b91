#include "http/path_template.h"

#include <algorithm>

namespace apigw::http {
namespace {

// Parameter names end up in config validation messages and rewrite templates, so they are kept
// to identifier characters; anything else is far more likely a typo than an intent.
bool is_template_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Parses one segment (the text between two slashes) into `out`.
bool parse_template_segment(std::string_view text, const PathTemplate& so_far, TemplateSegment& out,
                            std::string& error) {
  const bool has_open = text.find('{') != std::string_view::npos;
  const bool has_close = text.find('}') != std::string_view::npos;
  if (!has_open && !has_close) {
    out = TemplateSegment{false, std::string(text)};
    return true;
  }
  if (!has_open) {
    error = "'}' without a matching '{'";
    return false;
  }
  // "{id}" only: "x{id}", "{id}x", "{a}{b}" and "{id" all fail this test.
  std::string_view name = text.size() >= 2 && text.front() == '{' && text.back() == '}'
                              ? text.substr(1, text.size() - 2)
                              : std::string_view("{");
  const bool rest = name.starts_with('*');
  if (rest) name.remove_prefix(1);
  if (name.find_first_of("{}") != std::string_view::npos) {
    error = "'{' must span a whole segment";
    return false;
  }
  if (name.empty()) {
    error = "empty parameter name";
    return false;
  }
  if (!std::all_of(name.begin(), name.end(), is_template_name_char)) {
    error = "invalid parameter name '" + std::string(name) + "' (letters, digits and '_' only)";
    return false;
  }
  if (so_far.has_param(name)) {
    error = "duplicate parameter '" + std::string(name) + "'";
    return false;
  }
  out = TemplateSegment{true, std::string(name), rest};
  return true;
}

}  // namespace

std::size_t PathTemplate::literal_count() const {
  return static_cast<std::size_t>(
      std::count_if(segments.begin(), segments.end(), [](const auto& s) { return !s.is_param; }));
}

bool PathTemplate::has_param(std::string_view name) const {
  return std::any_of(segments.begin(), segments.end(),
                     [name](const auto& s) { return s.is_param && s.text == name; });
}

bool parse_path_template(std::string_view text, PathTemplate& out, std::string& error) {
  out.segments.clear();
  if (text.empty() || text.front() != '/') {
    error = "template must start with '/'";
    return false;
  }
  if (text.size() == 1) return true;  // "/" alone: no segments

  // A trailing slash becomes a last, empty literal segment: "/users/" then matches only paths
  // that end with a slash too, as match_path_template promises.
  PathTemplate parsed;  // moved into `out` only when complete, so a failure leaves `out` empty
  std::size_t pos = 1;
  while (true) {
    const std::size_t end = std::min(text.find('/', pos), text.size());
    const std::string_view segment = text.substr(pos, end - pos);
    const bool last = end == text.size();
    if (segment.empty() && !last) {
      // Normalized paths never contain "//", so such a template could never match.
      error = "empty segment (\"//\") in template";
      return false;
    }
    TemplateSegment parsed_segment;
    if (!parse_template_segment(segment, parsed, parsed_segment, error)) return false;
    if (parsed_segment.rest && !last) {
      error = "'{*" + parsed_segment.text + "}' must be the last segment";
      return false;
    }
    parsed.segments.push_back(std::move(parsed_segment));
    if (last) break;
    pos = end + 1;
  }
  out = std::move(parsed);
  return true;
}

bool match_path_template(const PathTemplate& tmpl, std::string_view path, PathParams& params) {
  if (tmpl.segments.empty()) return path == "/";
  const std::size_t params_before = params.size();
  std::size_t pos = 0;  // always at the '/' that opens the next segment
  for (const TemplateSegment& seg : tmpl.segments) {
    if (pos >= path.size() || path[pos] != '/') {
      params.resize(params_before);
      return false;
    }
    const std::size_t begin = pos + 1;
    if (seg.rest) {  // the last segment: whatever follows the slash
      params.push_back(PathParam{seg.text, path.substr(begin)});
      return true;
    }
    const std::size_t end = std::min(path.find('/', begin), path.size());
    const std::string_view value = path.substr(begin, end - begin);
    const bool ok = seg.is_param ? !value.empty() : value == seg.text;
    if (!ok) {
      params.resize(params_before);
      return false;
    }
    if (seg.is_param) params.push_back(PathParam{seg.text, value});
    pos = end;
  }
  if (pos != path.size()) {
    params.resize(params_before);
    return false;
  }
  return true;
}

void expand_path_template(const PathTemplate& tmpl, const PathParams& params, std::string& out) {
  if (tmpl.segments.empty()) {
    out += '/';
    return;
  }
  for (const TemplateSegment& seg : tmpl.segments) {
    out += '/';
    if (!seg.is_param) {
      out += seg.text;
      continue;
    }
    const auto it = std::find_if(params.begin(), params.end(),
                                 [&seg](const PathParam& p) { return p.name == seg.text; });
    if (it != params.end()) out += it->value;
  }
}

}  // namespace apigw::http
