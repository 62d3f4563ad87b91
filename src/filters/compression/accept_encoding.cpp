#include "filters/compression/accept_encoding.h"

#include <optional>

#include "http/field.h"
#include "http/message.h"

namespace apigw::filters::compression {
namespace {

// q-values in thousandths (0..1000), the precision RFC 9110 allows.
using Weight = int;
constexpr Weight kFullWeight = 1000;

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_ows(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ows(text.back())) text.remove_suffix(1);
  return text;
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
std::optional<Weight> parse_qvalue(std::string_view text) {
  if (text.empty() || (text[0] != '0' && text[0] != '1')) return std::nullopt;
  Weight weight = text[0] == '1' ? kFullWeight : 0;
  if (text.size() == 1) return weight;
  if (text[1] != '.' || text.size() > 5) return std::nullopt;
  Weight scale = 100;
  for (char c : text.substr(2)) {
    if (c < '0' || c > '9' || (weight == kFullWeight && c != '0')) return std::nullopt;
    weight += (c - '0') * scale;
    scale /= 10;
  }
  return weight;
}

// What the list says about each coding the gateway cares about; empty where it says nothing.
struct Weights {
  std::optional<Weight> br;
  std::optional<Weight> gzip;
  std::optional<Weight> identity;
  std::optional<Weight> any;  // "*"

  // Reads one list element: `coding *( OWS ";" OWS name "=" value )`.
  void add(std::string_view element) {
    std::size_t semicolon = element.find(';');
    const std::string_view name = trim(element.substr(0, semicolon));
    if (name.empty()) return;
    Weight weight = kFullWeight;
    bool weighted = false;
    while (semicolon != std::string_view::npos) {
      const std::size_t start = semicolon + 1;
      semicolon = element.find(';', start);
      const std::string_view parameter = element.substr(start, semicolon - start);
      const std::size_t equals = parameter.find('=');
      if (equals == std::string_view::npos ||
          !http::iequals(trim(parameter.substr(0, equals)), "q")) {
        continue;  // codings take no other parameters; tolerate them
      }
      const std::optional<Weight> q = parse_qvalue(trim(parameter.substr(equals + 1)));
      if (!q) return;  // a malformed weight voids the element
      if (!weighted) weight = *q;
      weighted = true;
    }
    std::optional<Weight>* slot = nullptr;
    if (http::iequals(name, "br")) {
      slot = &br;
    } else if (http::iequals(name, "gzip") || http::iequals(name, "x-gzip")) {
      slot = &gzip;
    } else if (http::iequals(name, "identity")) {
      slot = &identity;
    } else if (name == "*") {
      slot = &any;
    }
    if (slot != nullptr && !*slot) *slot = weight;
  }
};

}  // namespace

std::string_view coding_name(Coding coding) {
  switch (coding) {
    case Coding::gzip:
      return "gzip";
    case Coding::br:
      return "br";
    case Coding::identity:
      break;
  }
  return "identity";
}

Coding choose_coding(std::span<const std::string_view> accept_encoding,
                     SupportedCodings supported) {
  if (accept_encoding.empty()) return Coding::identity;
  Weights weights;
  for (std::string_view value : accept_encoding) {
    http::for_each_list_element(value, [&](std::string_view element) {
      if (!element.empty()) weights.add(element);
      return false;
    });
  }
  const Weight unlisted = weights.any.value_or(0);
  // In order of preference on equal weights: the first strictly heaviest wins.
  Coding best = Coding::identity;
  Weight best_weight = 0;
  auto consider = [&](Coding coding, Weight weight) {
    if (weight > best_weight) {
      best = coding;
      best_weight = weight;
    }
  };
  if (supported.br) consider(Coding::br, weights.br.value_or(unlisted));
  if (supported.gzip) consider(Coding::gzip, weights.gzip.value_or(unlisted));
  // identity not named (by itself or by "*") is the fallback, never a rival of a listed coding.
  consider(Coding::identity, weights.identity.value_or(unlisted));
  return best;
}

Coding choose_coding(std::string_view accept_encoding, SupportedCodings supported) {
  return choose_coding(std::span<const std::string_view>(&accept_encoding, 1), supported);
}

}  // namespace apigw::filters::compression
