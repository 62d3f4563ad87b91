// The request record: everything about one request that filters, handlers, the proxy exchange,
// the access log and the metrics read or write. One per client connection, reset for each request
// (its vectors keep their capacity, so a warm connection allocates nothing here). Views point into
// the connection's buffers and never outlive the request.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"
#include "http/path_template.h"
#include "observe/live_stats.h"
#include "observe/trace_context.h"
#include "pipeline/body_transform.h"
#include "util/cancellation.h"
#include "util/cidr.h"

namespace apigw::pipeline {

class WorkerServices;

// A header a filter wants on the upstream request or on the response to the client.
struct HeaderSet {
  std::string name;
  std::string value;
};

// Header changes gathered from filters, applied once when the head is written.
struct HeaderEdits {
  std::vector<HeaderSet> set;  // replaces any header of the same name
  std::vector<HeaderSet> add;  // appended; headers of the same name stay (Vary)
  std::vector<std::string> remove;
  // Edits fixed in a filter's config (the headers filter), taken by reference rather than
  // copied per request; they live as long as the request's snapshot.
  std::vector<const HeaderEdits*> shared;
  bool empty() const { return set.empty() && add.empty() && remove.empty() && shared.empty(); }
  // True if `name` is set or removed here (so the original header must not be copied).
  bool overrides(std::string_view name) const;
  // Calls `write(name, value)` for every header set or added, shared edits included.
  template <typename Write>
  void for_each_written(Write&& write) const {
    for (const auto& header : set) write(header.name, header.value);
    for (const auto& header : add) write(header.name, header.value);
    for (const HeaderEdits* edits : shared) edits->for_each_written(write);
  }
  void clear() {
    set.clear();
    add.clear();
    remove.clear();
    shared.clear();
  }
};

// An answer made by the gateway itself: an error in the unified format (code and message), or a
// response of a handler, a fallback or a filter (CORS preflight) with its own body.
struct LocalReply {
  int status = 500;
  std::string code;     // error answers: the JSON error body is made of status, code, message
  std::string message;  // and the request id
  std::vector<HeaderSet> headers;  // e.g. Retry-After, WWW-Authenticate, Location
  std::string body;                // other answers: sent as is
  std::string content_type;        // of `body`; none when empty

  bool is_error() const { return !code.empty(); }
  static LocalReply error(int status, std::string code, std::string message) {
    LocalReply reply;
    reply.status = status;
    reply.code = std::move(code);
    reply.message = std::move(message);
    return reply;
  }
};

// What a TLS client connection established (views valid for the connection's life).
struct ConnectionTls {
  std::string_view version;      // "TLSv1.3"
  std::string_view cipher;       // "TLS_AES_128_GCM_SHA256"
  std::string_view server_name;  // SNI; "" when the client sent none
  std::string_view alpn;         // "http/1.1"; "" when none was negotiated
  bool resumed = false;          // the session was resumed from a ticket
  // mTLS: a client certificate was presented and verified; its subject in RFC 2253 form.
  bool client_verified = false;
  std::string_view client_subject;
};

struct RequestContext {
  using Clock = std::chrono::steady_clock;

  // --- The request, set before the request phase ---
  const http::RequestHead* head = nullptr;
  std::string_view path;  // normalized request path
  const http::PathParams* params = nullptr;
  std::string_view request_id;
  std::string_view client_address;     // the client: the peer, or what trusted proxies said
  util::IpAddress client_ip;           // the same, parsed (for address checks without parsing)
  std::string_view peer_address;       // the TCP peer (a trusted proxy, a load balancer)
  const ConnectionTls* tls = nullptr;  // the client connection's TLS; null: plain
  std::string_view route_name;         // empty until a route matched (or when none did)
  std::size_t worker_index = 0;
  WorkerServices* services = nullptr;  // this worker's outbound clients
  // Aborts I/O a suspended filter started when the request ends early (client gone, deadline).
  util::Cancellation cancellation;

  // --- Set by filters ---
  HeaderEdits upstream_request_headers;
  HeaderEdits response_headers;
  std::optional<LocalReply> local_reply;  // set by a filter that answers, or by the gateway

  // --- Whole bodies, for routes whose filters want them (BodyNeeds) ---
  std::string request_body;  // decoded (no chunk framing); what goes upstream
  bool request_body_buffered = false;
  std::string response_body;  // decoded; what goes to the client

  // --- The response phase ---
  int response_status = 0;
  const http::ResponseHead* upstream_response = nullptr;  // null: the gateway answers itself
  // Streamed changes of the response body, in order (compression). The framing becomes chunked.
  std::vector<std::unique_ptr<BodyTransform>> response_transforms;

  // --- The record, for the access log and the metrics ---
  Clock::time_point start{};
  int status_sent = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::string_view upstream_address;
  std::string_view upstream_name;  // the upstream of upstream_address
  std::uint64_t upstream_micros = 0;
  std::uint32_t upstream_tries = 0;  // tries made (retries and failover included)
  bool upstream_answered = false;     // the last try got a response head (upstream_micros is its)
  // Who the client is, once an authentication filter identified it (a consumer's name).
  std::string_view consumer;
  // The live statistics of the target that answered (null: no upstream was tried).
  observe::TargetLiveStats* target_live = nullptr;

  // --- Tracing ([tracing]; trace.active false when it is off) ---
  observe::TraceContext trace;
  std::int64_t start_unix_nanos = 0;  // `start` on the system clock, for sampled requests
  // The traceparent for the outgoing call in progress (an upstream try, a filter's call): its
  // span is the call's own, a child of the request's. Set by the server before the call.
  observe::TraceparentText traceparent{};
  bool traceparent_set = false;  // this request began a call span (traceparent is its own)
  std::string_view traceparent_text() const {
    return traceparent_set ? std::string_view(traceparent.data(), traceparent.size())
                           : std::string_view();
  }
  // Unix nanoseconds of a steady-clock time of this request (a span's start or end).
  std::int64_t unix_nanos(Clock::time_point at) const {
    return start_unix_nanos +
           std::chrono::duration_cast<std::chrono::nanoseconds>(at - start).count();
  }

  const http::RequestHead& request() const { return *head; }
  // A header of the response being answered: the upstream's, or the local reply's.
  std::string_view response_header(std::string_view name) const;
  std::string_view response_header(http::Field field) const;
  // Starts a new request (keeps capacities).
  void reset();
};

}  // namespace apigw::pipeline
