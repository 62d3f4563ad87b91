#include "admin/json_text.h"

#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>

namespace apigw::admin {
namespace {

namespace json = boost::json;

void append_double(std::string& out, double number) {
  if (!std::isfinite(number)) {
    out.append("null");  // JSON has no NaN or infinity; nothing of ours produces them
    return;
  }
  const double magnitude = std::fabs(number);
  const bool plain = magnitude == 0.0 || (magnitude >= 1e-6 && magnitude < 1e15);
  char text[64];
  const auto written =
      plain ? std::to_chars(text, text + sizeof text, number, std::chars_format::fixed)
            : std::to_chars(text, text + sizeof text, number);
  out.append(text, written.ptr);
  // A whole number stays a double when read back: "3.0", as Boost writes it ("3E0").
  if (plain && std::string_view(text, written.ptr).find('.') == std::string_view::npos) {
    out.append(".0");
  }
}

}  // namespace

void append_json_text(std::string& out, const json::value& value) {
  switch (value.kind()) {
    case json::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& member : value.get_object()) {
        if (!first) out.push_back(',');
        first = false;
        out.append(json::serialize(member.key()));
        out.push_back(':');
        append_json_text(out, member.value());
      }
      out.push_back('}');
      return;
    }
    case json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& element : value.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        append_json_text(out, element);
      }
      out.push_back(']');
      return;
    }
    case json::kind::double_:
      append_double(out, value.get_double());
      return;
    default:
      out.append(json::serialize(value));  // strings, integers, booleans, null
      return;
  }
}

std::string json_text(const json::value& value) {
  std::string out;
  append_json_text(out, value);
  return out;
}

}  // namespace apigw::admin
