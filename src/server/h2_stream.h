// One HTTP/2 request stream served through the request path (request_stream.h): the same
// routing, filters, handlers, exchange, answers and record as an HTTP/1.1 request. What it adds
// is the translation at the client edge:
//
// * the request head comes whole from h2::ServerSession (already checked for the HTTP/2 → 1
//   smuggling rules); its body is copied from the session as the exchange asks for it, and only
//   then consumed, so the client's window opens as fast as the upstream takes the body;
// * the response arrives as the HTTP/1.1 bytes every response is written as (one head writer
//   for both protocols, so edits, hop-by-hop rules and local replies cannot differ): the head is
//   read back into fields for HEADERS, the body un-framed (chunked, Content-Length) into DATA;
// * waits for body bytes and for send-queue room are on a timer used as a signal, woken by the
//   connection when the session reports news for the stream.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "h2/server_session.h"
#include "http/body_framing.h"
#include "http/message.h"
#include "http/parser.h"
#include "server/request_stream.h"

namespace apigw::server {

class H2Connection;

class H2Stream final : public RequestStream {
 public:
  H2Stream(H2Connection& connection, std::int32_t id);
  ~H2Stream() override;

  std::int32_t id() const { return id_; }
  // Starts serving the request whose head the session reported: runs it up to its first wait,
  // and finishes the stream when it returns. Holds the connection alive until then.
  static void serve(std::shared_ptr<H2Connection> connection, H2Stream& stream);
  // Answers a stream the session refused for its head (431, 414, 400, 501): refuse_with() said
  // why.
  static awaitable<void> refuse(std::shared_ptr<H2Connection> connection, H2Stream& stream);
  void refuse_with(http::ParseError refusal) { refusal_ = refusal; }
  const std::optional<http::ParseError>& refusal() const { return refusal_; }

  // From the connection, on the session's events.
  // Body bytes, the request's end (request_end), or send-queue room.
  void on_news(bool request_end);
  // The stream ended in the session (error_code != 0: reset by the client or the session).
  void on_closed(std::uint32_t error_code);
  // The connection is gone (closed by the client, an error, shutdown).
  void on_connection_lost();
  // The request coroutine returned.
  bool served() const { return served_; }
  bool closed() const { return closed_; }

  void on_deadline() override;

 private:
  ImmediateWrite stream_write_now(net::const_buffer first, net::const_buffer second) override;
  awaitable<IoResult> stream_write_rest(net::const_buffer first, net::const_buffer second,
                                        std::size_t written) override;
  awaitable<IoResult> stream_read_body(net::mutable_buffer into) override;
  awaitable<error_code> stream_send_continue() override;
  void watch_client(std::shared_ptr<bool>) override {}  // a reset reaches on_closed()
  void cancel_body_read() override;
  void stop_watching_client() override {}
  awaitable<void> lingering_close() override;

  // Takes the request from the session: head, and the body bytes already there.
  void take_request();
  // The end of serve() and refuse(): END_STREAM or a reset, then the stream's memory back.
  void finish();
  // HTTP/1.1 response bytes (head first) → HEADERS and DATA into pending_. False: the head does
  // not parse or the stream is gone.
  bool take_response_bytes(std::string_view bytes);
  // The head from what the head writer recorded (proxy::WrittenHead) rather than a parse.
  bool submit_recorded_head(std::string_view bytes);
  // HEADERS for response_ (its status, fields and framing).
  bool submit_head();
  // Moves pending_ into the session's send queue as far as it has room.
  void submit_pending();
  // Waits until on_news(), a deadline or the stream's end.
  awaitable<void> wait_for_news();
  h2::ServerSession& session();
  error_code broken_error() const;

  H2Connection& connection_;
  std::int32_t id_;
  net::steady_timer signal_;
  http::ResponseHead response_;
  http::BodyFramer framer_{http::BodyFraming::none, 0};
  std::string head_bytes_;  // a response head split across writes (never, in practice)
  std::string pending_;     // response payload the send queue had no room for yet
  bool head_submitted_ = false;
  bool body_wanted_ = false;     // the response has a body (not HEAD, 204, 304)
  bool data_ended_ = false;      // END_STREAM queued
  bool request_ended_ = false;   // the client's END_STREAM came
  bool read_cancelled_ = false;  // cancel_body_read()
  bool served_ = false;          // serve()/refuse() returned
  bool closed_ = false;          // the session is done with the stream
  bool broken_ = false;          // reset, timed out or the connection lost: no more I/O
  std::optional<http::ParseError> refusal_;
};

}  // namespace apigw::server
