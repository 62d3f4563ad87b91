#include "http/path.h"

namespace apigw::http {

int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

namespace {

bool is_unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

void append_escape(std::string& out, unsigned char c) {
  constexpr char kHex[] = "0123456789ABCDEF";
  out.push_back('%');
  out.push_back(kHex[c >> 4]);
  out.push_back(kHex[c & 0xf]);
}

// Called at each '/' and at the end: `out` ends with the segment that starts at `segment_start`
// (right after its '/'). Resolves "." and ".." against what is already written, so the whole path
// is normalized in the one pass that decodes it.
void finish_segment(std::string& out, std::size_t& segment_start, bool last) {
  const std::string_view segment = std::string_view(out).substr(segment_start);
  if (segment == ".") {
    out.resize(segment_start);
  } else if (segment == "..") {
    out.resize(segment_start);
    // out is "/" or ".../parent/": drop "parent/" unless we are at the root.
    if (segment_start > 1) out.resize(out.rfind('/', segment_start - 2) + 1);
  } else if (!segment.empty() && !last) {
    out.push_back('/');  // an empty segment (from "//") gets no second slash
  }
  segment_start = out.size();
}

}  // namespace

bool normalize_path(std::string_view raw, std::string& out) {
  out.clear();
  if (raw.empty() || raw[0] != '/') return false;
  out.reserve(raw.size());
  out.push_back('/');
  std::size_t segment_start = 1;
  for (std::size_t i = 1; i < raw.size(); ++i) {
    const auto c = static_cast<unsigned char>(raw[i]);
    if (c == '/') {
      finish_segment(out, segment_start, /*last=*/false);
    } else if (c == '%') {
      if (i + 2 >= raw.size()) return false;
      const int high = hex_digit_value(raw[i + 1]);
      const int low = hex_digit_value(raw[i + 2]);
      if (high < 0 || low < 0) return false;
      const auto decoded = static_cast<unsigned char>(high * 16 + low);
      if (decoded == 0) return false;
      // Decoding only unreserved characters keeps "%2F" from becoming a path separator.
      if (is_unreserved(decoded)) {
        out.push_back(static_cast<char>(decoded));
      } else {
        append_escape(out, decoded);
      }
      i += 2;
    } else if (c <= 0x20 || c == 0x7f) {
      return false;
    } else if (c >= 0x80) {
      append_escape(out, c);  // raw UTF-8 and its escaped spelling must route the same
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  finish_segment(out, segment_start, /*last=*/true);
  return true;
}

}  // namespace apigw::http
