// Fuzzes h2::RequestHeadBuilder, the HTTP/2 -> HTTP/1 downgrade (design note §3.5): arbitrary
// field lists (pseudo-header fields, names, values with any byte) become a RequestHead or are
// refused. An accepted head must hold nothing an HTTP/1 upstream could read differently, and the
// upstream head proxy::write_upstream_request_head writes from it must parse back with
// http::parse_request_head to the same method, target, host, framing and fields, in order.
//
// Input: byte 0 flags (bit 0: END_STREAM on the head; bit 1: tight limits), then fields, each
// [name length: 1 byte][name][value length: 2 bytes, big-endian, low 14 bits][value].
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "h2/request_head.h"
#include "http/parser.h"
#include "proxy/head_writer.h"

namespace {

using apigw::http::Header;
using apigw::http::RequestHead;

bool clean(std::string_view text) {
  for (char c : text) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool is_managed(apigw::http::Field field) {
  using apigw::http::Field;
  switch (field) {
    case Field::host:
    case Field::content_length:
    case Field::expect:
    case Field::x_forwarded_for:
    case Field::x_forwarded_proto:
    case Field::x_forwarded_host:
    case Field::x_request_id:
    case Field::x_client_cert_subject:
      return true;
    default:
      return false;
  }
}

void check_head(const RequestHead& head) {
  FUZZ_CHECK(apigw::http::is_token(head.method_text));
  FUZZ_CHECK(head.method != apigw::http::Method::connect);
  FUZZ_CHECK(clean(head.target) && clean(head.host));
  FUZZ_CHECK(head.path == "*" || (!head.path.empty() && head.path[0] == '/'));
  FUZZ_CHECK(head.protocol == apigw::http::Protocol::http2);
  FUZZ_CHECK(apigw::http::is_valid_authority(head.host, false));
  for (const Header& header : head.headers) {
    FUZZ_CHECK(apigw::http::is_token(header.name) && clean(header.value));
    FUZZ_CHECK(header.name.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == std::string_view::npos);
    FUZZ_CHECK(header.field != apigw::http::Field::transfer_encoding);
    FUZZ_CHECK(header.field != apigw::http::Field::connection);
  }
}

void check_round_trip(const RequestHead& head) {
  apigw::proxy::UpstreamRequestInfo info;
  info.path_and_query = head.target;
  info.host = head.host;
  info.client_ip = "192.0.2.1";
  info.request_id = "fuzz-request";
  std::string written;
  apigw::proxy::write_upstream_request_head(head, info, written);

  apigw::http::HeadLimits limits;
  limits.max_header_bytes = 1 << 20;
  limits.max_header_count = 100'000;
  limits.max_uri_bytes = 1 << 20;
  RequestHead parsed;
  const auto result = apigw::http::parse_request_head(written, limits, parsed);
  FUZZ_CHECK(result.status == apigw::http::ParseStatus::complete);
  FUZZ_CHECK(parsed.head_bytes == written.size());
  FUZZ_CHECK(parsed.method_text == head.method_text);
  FUZZ_CHECK(parsed.target == head.target);
  FUZZ_CHECK(parsed.host == head.host);

  std::vector<const Header*> kept;
  for (const Header& header : head.headers) {
    if (apigw::http::is_hop_by_hop(header, head.connection, head.headers)) continue;
    if (is_managed(header.field)) continue;
    kept.push_back(&header);
  }
  // Host, the client's fields in order, X-Forwarded-For, -Proto, X-Request-Id, the framing.
  const bool framed = head.framing != apigw::http::BodyFraming::none;
  FUZZ_CHECK(parsed.headers.size() == kept.size() + 4 + (framed ? 1 : 0));
  for (std::size_t i = 0; i < kept.size(); ++i) {
    FUZZ_CHECK(parsed.headers[i + 1].name == kept[i]->name);
    FUZZ_CHECK(parsed.headers[i + 1].value == kept[i]->value);
  }
  switch (head.framing) {
    case apigw::http::BodyFraming::none:
      FUZZ_CHECK(parsed.framing == apigw::http::BodyFraming::none);
      break;
    case apigw::http::BodyFraming::content_length:
      FUZZ_CHECK(parsed.framing == apigw::http::BodyFraming::content_length);
      FUZZ_CHECK(parsed.content_length == head.content_length);
      break;
    case apigw::http::BodyFraming::stream_end:
      FUZZ_CHECK(parsed.framing == apigw::http::BodyFraming::chunked);
      break;
    default:
      FUZZ_CHECK(false);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool end_stream = (data[0] & 1) != 0;
  apigw::http::HeadLimits limits;
  if ((data[0] & 2) != 0) {
    limits.max_header_bytes = 300;
    limits.max_header_count = 4;
    limits.max_uri_bytes = 20;
  }
  std::vector<std::pair<std::string_view, std::string_view>> fields;
  std::size_t at = 1;
  while (at < size) {
    const std::size_t name_size = data[at++];
    if (at + name_size + 2 > size) break;
    const std::string_view name(reinterpret_cast<const char*>(data + at), name_size);
    at += name_size;
    const std::size_t value_size = ((std::size_t{data[at]} << 8) | data[at + 1]) & 0x3fff;
    at += 2;
    if (at + value_size > size) break;
    fields.emplace_back(name,
                        std::string_view(reinterpret_cast<const char*>(data + at), value_size));
    at += value_size;
  }

  apigw::h2::HeaderArena arena;
  RequestHead head;
  apigw::h2::RequestHeadBuilder builder;
  builder.start(limits, arena, head);
  bool abusive = false;
  for (const auto& [name, value] : fields) {
    abusive |= builder.add(name, value) == apigw::h2::FieldVerdict::abusive;
  }
  const apigw::h2::HeadOutcome outcome = builder.finish(end_stream);
  using Kind = apigw::h2::HeadOutcome::Kind;
  if (abusive) FUZZ_CHECK(outcome.kind != Kind::request);
  if (outcome.kind == Kind::refused) {
    const int status = outcome.error.status;
    FUZZ_CHECK(status == 400 || status == 414 || status == 431 || status == 501);
  }
  if (outcome.kind != Kind::request) return 0;
  check_head(head);
  // With tight limits the written head is checked too: the builder's limits are its own.
  check_round_trip(head);
  return 0;
}
