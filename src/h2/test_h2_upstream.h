// Test peers for ClientSession (header-only, for the *_test.cpp beside it): a ClientSession and a
// ServerSession piped into each other in memory, and a recorder of what the client saw per
// stream. Raw server frames come from test_h2_peer.h's Frames.
#pragma once

#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "h2/client_session.h"
#include "h2/server_session.h"
#include "h2/test_h2_peer.h"

namespace apigw::h2::testing {

// What the client saw of one stream.
struct UpstreamStream {
  int status = 0;
  std::vector<int> informational;
  Fields headers;
  http::BodyFraming framing = http::BodyFraming::none;
  Fields trailers;
  std::string body;
  std::vector<ClientEventKind> kinds;
  bool ended = false;
  bool closed = false;
  StreamEnd end = StreamEnd::complete;
  std::uint32_t error_code = 0;
};

inline Fields copy_fields(std::span<const http::Header> headers) {
  Fields out;
  for (const http::Header& header : headers) out.emplace_back(header.name, header.value);
  return out;
}

// Records every client event per stream; consumes bodies as they come unless told not to, and
// releases closed streams.
struct ClientRecorder {
  explicit ClientRecorder(ClientSession& session_) : session(session_) {}

  void operator()(std::span<const ClientEvent> events) {
    for (const ClientEvent& event : events) {
      UpstreamStream& stream = streams[event.stream];
      stream.kinds.push_back(event.kind);
      switch (event.kind) {
        case ClientEventKind::informational:
          stream.informational.push_back(event.status);
          break;
        case ClientEventKind::response_head: {
          const http::ResponseHead* head = session.response_head(event.stream);
          stream.status = head->status;
          stream.headers = copy_fields(head->headers);
          stream.framing = head->framing;
          break;
        }
        case ClientEventKind::body:
          if (consume) {
            const std::string_view bytes = session.response_body(event.stream);
            stream.body.append(bytes);
            session.consume(event.stream, bytes.size());
          }
          break;
        case ClientEventKind::response_end:
          stream.ended = true;
          stream.trailers = copy_fields(session.response_trailers(event.stream));
          break;
        case ClientEventKind::closed:
          stream.closed = true;
          stream.end = event.end;
          stream.error_code = event.error_code;
          if (release) session.release(event.stream);
          break;
        case ClientEventKind::send_ready:
          break;
      }
      if (on_event) on_event(event);
    }
  }

  ClientSession& session;
  std::map<std::int32_t, UpstreamStream> streams;
  bool consume = true;
  bool release = true;
  std::function<void(const ClientEvent&)> on_event;  // after the event is recorded
};

// A ClientSession and a ServerSession writing to each other.
struct Link {
  Link(ClientSession& client_, ServerSession& server_) : client(client_), server(server_) {}

  // Until neither side has anything to say. `on_server` sees every batch of server events (and
  // may answer through the session); the recorder sees the client's.
  void run(const std::function<void(std::span<const Event>)>& on_server = {},
           int max_rounds = 1000) {
    for (int round = 0; round < max_rounds; ++round) {
      const std::string to_server(client.pending_output());
      client.output_written(to_server.size());
      const std::span<const ClientEvent> client_late = client.take_events();
      const bool client_had_late = !client_late.empty();
      recorder(client_late);
      std::span<const Event> events = server.feed(as_bytes(to_server));
      if (on_server && !events.empty()) on_server(events);
      const std::string to_client(server.pending_output());
      server.output_written(to_client.size());
      events = server.take_events();
      const bool server_had_late = !events.empty();
      if (on_server && server_had_late) on_server(events);
      recorder(client.feed(as_bytes(to_client)));
      if (to_server.empty() && to_client.empty() && !client_had_late && !server_had_late) return;
    }
  }

  ClientSession& client;
  ServerSession& server;
  ClientRecorder recorder{client};
};

// Answers every request with `status`, `headers` and `body`, consuming request bodies, as a
// backend would; send_ready events feed the rest of a long body.
struct Backend {
  ServerSession& server;
  int status = 200;
  std::vector<http::Header> headers;
  std::string body;
  std::vector<http::Header> trailers;
  bool answer_at_end = false;                    // wait for the whole request before answering
  bool hold = false;                             // answer nothing: the test calls answer() itself
  std::vector<std::int32_t> requests;            // streams reported, in order
  std::map<std::int32_t, std::uint32_t> closed;  // stream -> its close code
  std::map<std::int32_t, std::size_t> sent;
  std::map<std::int32_t, std::string> received;
  std::map<std::int32_t, Fields> request_headers;
  std::map<std::int32_t, Fields> request_trailers;

  void answer(std::int32_t stream) {
    const bool has_body = !body.empty() || !trailers.empty();
    if (!server.submit_response(stream, status, headers, has_body)) return;
    if (has_body) send(stream);
  }
  void send(std::int32_t stream) {
    std::size_t& at = sent[stream];
    at += server.submit_data(stream, std::string_view(body).substr(at), trailers.empty());
    if (at == body.size() && !trailers.empty()) server.submit_trailers(stream, trailers);
  }
  void operator()(std::span<const Event> events) {
    for (const Event& event : events) {
      switch (event.kind) {
        case EventKind::request:
          request_headers[event.stream] = copy_fields(server.request_head(event.stream)->headers);
          requests.push_back(event.stream);
          if (!answer_at_end && !hold) answer(event.stream);
          break;
        case EventKind::body: {
          const std::string_view bytes = server.request_body(event.stream);
          received[event.stream].append(bytes);
          server.consume(event.stream, bytes.size());
          break;
        }
        case EventKind::request_end:
          request_trailers[event.stream] = copy_fields(server.request_trailers(event.stream));
          if (answer_at_end && !hold) answer(event.stream);
          break;
        case EventKind::send_ready:
          send(event.stream);
          break;
        case EventKind::closed:
          closed[event.stream] = event.error_code;
          server.release(event.stream);
          break;
        default:
          break;
      }
    }
  }
};

// The pseudo-header fields of a simple request.
inline RequestPseudo pseudo(std::string_view method = "GET", std::string_view path = "/") {
  return RequestPseudo{method, "http", "upstream.test", path};
}

}  // namespace apigw::h2::testing
