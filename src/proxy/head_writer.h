// Writes the heads the proxy sends: the request head to the upstream and the response head to the
// client, each in one pass into a reused string so that it goes out in one gathered write.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"
#include "pipeline/request_context.h"

namespace apigw::proxy {

struct UpstreamRequestInfo {
  std::string_view path_and_query;  // normalized (and rewritten) path plus "?query"
  std::string_view host;            // Host to send upstream
  std::string_view original_host;   // client's Host, for X-Forwarded-For-Host
  std::string_view client_ip;
  std::string_view proto = "http";  // X-Forwarded-Proto: "https" on a TLS listener
  // Sent as X-Client-Cert-Subject when not empty (a verified client certificate, when the
  // listener forwards it); a client's own header of that name is always dropped.
  std::string_view client_cert_subject;
  std::string_view request_id;
  // The gateway's traceparent for this try (replacing the client's); empty: tracing is off and
  // the client's, if any, passes as it came.
  std::string_view traceparent;
  bool drop_tracestate = false;  // the gateway started the trace: the client's tracestate goes
  const pipeline::HeaderEdits* edits = nullptr;
  // A body the filters held whole (and may have changed): sent with this Content-Length.
  std::optional<std::uint64_t> body_length;
  // A WebSocket upgrade (ws/handshake.h): the hop-by-hop pair that asks for it is sent again.
  bool websocket_upgrade = false;
};

// Appends the upstream request head to `out`: hop-by-hop headers (and those named in Connection),
// Expect and Host are dropped; Host, X-Forwarded-For (appended to), X-Forwarded-Proto,
// X-Forwarded-Host and X-Request-Id are set; framing headers are re-emitted from the parsed
// framing.
void write_upstream_request_head(const http::RequestHead& request, const UpstreamRequestInfo& info,
                                 std::string& out);

// Where the fields of a response head just written are, for a client that takes fields rather
// than bytes (an HTTP/2 stream reads them here instead of parsing the head again). Offsets into
// the output string; connection-specific lines (Connection, Transfer-Encoding) are not fields
// here, and the framing is given as such.
struct WrittenHead {
  struct Field {
    std::uint32_t name_at, name_size, value_at, value_size;
  };
  std::size_t end = 0;  // one past the head's blank line; 0: nothing recorded
  int status = 0;
  http::BodyFraming framing = http::BodyFraming::none;
  std::uint64_t content_length = 0;
  std::vector<Field> fields;

  void clear() {
    end = 0;
    fields.clear();
  }
};

struct ClientResponseInfo {
  bool keep_alive = true;      // the connection stays open after this response
  bool client_http10 = false;  // answer in HTTP/1.0 terms
  // The gateway's own framing, for a body that filters change as it streams (the upstream's
  // Content-Length no longer holds): chunked, or until close for an HTTP/1.0 client.
  std::optional<http::BodyFraming> framing;
  std::uint64_t body_length = 0;  // with framing = content_length
  std::string_view request_id;
  const pipeline::HeaderEdits* edits = nullptr;
  WrittenHead* record = nullptr;  // when set, filled in as the head is written
  // A 101 that accepted a WebSocket upgrade: "Connection: Upgrade" and "Upgrade: websocket"
  // instead of the gateway's keep-alive terms, and no framing (the connection is a tunnel next).
  bool websocket_upgrade = false;
};

// Appends the response head for the client: hop-by-hop headers dropped, framing re-emitted,
// Connection set to what the gateway will do, X-Request-Id added when the upstream sent none.
void write_client_response_head(const http::ResponseHead& response, const ClientResponseInfo& info,
                                std::string& out);

struct LocalReplyInfo {
  std::string_view request_id;
  std::string_view date;  // the Date header's value (gateway-made answers carry one)
  bool keep_alive = true;
  bool head_request = false;                     // HEAD: the head of the answer only
  const pipeline::HeaderEdits* edits = nullptr;  // the response phase's edits
  WrittenHead* record = nullptr;                 // when set, filled in as the head is written
};

// Appends a complete response made by the gateway itself: the unified JSON error body for an
// error reply, else the reply's own body and content type. Framing and X-Request-Id are the
// gateway's; the response phase's edits apply to everything else.
void write_local_reply(const pipeline::LocalReply& reply, const LocalReplyInfo& info,
                       std::string& out);

}  // namespace apigw::proxy
