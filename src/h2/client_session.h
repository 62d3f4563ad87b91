// One upstream connection's HTTP/2 client side, without I/O: the mirror of ServerSession. Bytes
// read from the upstream go in through feed(), bytes to write come out of pending_output(), and
// in between the caller submits requests and sees events per stream. nghttp2 does the framing,
// HPACK, stream states and flow control (through mem_recv/mem_send only); this class adds the
// gateway's rules on top:
//
// * Response heads are built by ResponseHeadBuilder (h2/response_head.h), within the head limits
//   of HTTP/1 responses. A malformed or oversized head (or trailer block) resets its stream and is
//   never reported: the stream's `closed` event says why, and the caller answers 502.
// * Flow control is manual: response DATA waits in the stream's buffer (at most the stream
//   window) until the caller consume()s it, which is what opens the window again.
// * Request bodies are queued per stream (bounded) and framed by nghttp2 as the server's windows
//   allow.
// * Every submitted stream ends with exactly one `closed` event, which says whether the server
//   can have processed it (StreamEnd::refused: it never did, a retry is safe).
//
// The session trusts its upstream more than ServerSession trusts clients (no abuse budget), but
// every byte it holds stays bounded by its limits (bytes_held(), checked by the fuzz target).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "h2/byte_queue.h"
#include "h2/upstream_request.h"
#include "http/message.h"
#include "http/parser.h"

struct nghttp2_session;

namespace apigw::h2 {

struct ClientLimits {
  // Response heads and trailer blocks: max_header_bytes (RFC 9113 §6.5.2 size; also
  // SETTINGS_MAX_HEADER_LIST_SIZE) and max_header_count, the numbers HTTP/1 responses are held to.
  http::HeadLimits head{};
  std::uint32_t stream_window = 65'535;        // SETTINGS_INITIAL_WINDOW_SIZE: body per stream
  std::uint32_t connection_window = 1u << 20;  // all streams' unconsumed response bodies
  std::size_t max_send_queue = 64 * 1024;      // request body bytes queued per stream
  // Frames serialized ahead of the socket by pending_output() (one more frame may pass it).
  std::size_t max_output = 64 * 1024;
  // Streams assumed allowed until the server's SETTINGS say how many (nghttp2's
  // peer_max_concurrent_streams; RFC 9113 would allow unlimited).
  std::uint32_t assumed_concurrent_streams = 100;
};

enum class ClientEventKind : std::uint8_t {
  informational,  // a 1xx head (ClientEvent::status); the final head follows
  response_head,  // the final head: response_head(stream)
  body,           // more response body waits in response_body(stream)
  response_end,   // the response is complete; trailers, if any, are in response_trailers(stream)
  send_ready,     // the stream's send queue has room again
  closed,         // the stream is over: ClientEvent::end says how. Call release(stream).
};

// How a stream ended, for the caller's answer (a 502, a retry) and logs.
enum class StreamEnd : std::uint8_t {
  complete,  // the response ended and the request was sent whole (or the server, done answering,
             // stopped the rest with RST_STREAM(NO_ERROR))
  // The server did not process it (RST_STREAM(REFUSED_STREAM), an id above its GOAWAY's last
  // stream, or the request never left before the connection ended): safe to retry.
  refused,
  reset_by_server,     // RST_STREAM from the server (error_code says which), response incomplete
  malformed_response,  // the response broke HTTP/2's rules (nghttp2's or ours): reset by us
  response_too_large,  // a head or trailer block over the limits: reset by us
  cancelled,           // reset_stream() or release() by the caller
  connection_error,    // the connection failed or ended with the stream open (maybe processed)
};

struct ClientEvent {
  ClientEventKind kind = ClientEventKind::response_head;
  std::int32_t stream = 0;
  StreamEnd end = StreamEnd::complete;  // closed
  std::uint32_t error_code = 0;         // closed: the RST_STREAM or GOAWAY code, 0 if none
  int status = 0;                       // informational
};

enum class SubmitError : std::uint8_t {
  none,
  no_stream,      // can_submit() is false: the server's stream limit, its GOAWAY, or closing()
  invalid_field,  // a name or value that cannot be sent (CR, LF, NUL, not a token), or CONNECT
};

struct SubmitResult {
  std::int32_t stream = 0;  // the new stream's id when ok()
  SubmitError error = SubmitError::none;
  bool ok() const { return error == SubmitError::none; }
};

// Why the session takes no more requests.
enum class ClientCloseReason : std::uint8_t {
  none,
  peer_goaway,      // the server sent GOAWAY: streams up to goaway_last_stream() go on
  shutdown,         // the caller's goaway()
  protocol_error,   // nghttp2 found a connection error (the server's, or a failure of its own)
  connection_lost,  // connection_lost(): the transport is gone
};

class ClientSession {
 public:
  explicit ClientSession(const ClientLimits& limits);
  ~ClientSession();
  ClientSession(const ClientSession&) = delete;
  ClientSession& operator=(const ClientSession&) = delete;

  // A new request. `headers` as an HTTP/1 head would carry them: names are lower-cased,
  // connection-specific fields are dropped (`te` is kept when it says "trailers"), and a host
  // field becomes :authority when `pseudo.authority` is empty (it is dropped otherwise).
  // has_body = false ends the stream with the head. The stream id is the new stream's, also when
  // nghttp2 holds the HEADERS until a stream slot frees up.
  SubmitResult submit_request(const RequestPseudo& pseudo, std::span<const http::Header> headers,
                              bool has_body);
  SubmitResult submit_request(const UpstreamRequest& request) {
    return submit_request(request.pseudo(), request.headers(), request.has_body());
  }
  // Queues request body bytes; returns how many were taken (fewer when the queue is full: wait
  // for send_ready). `end` (with every byte taken) ends the request.
  std::size_t submit_data(std::int32_t stream, std::string_view bytes, bool end);
  std::size_t send_space(std::int32_t stream) const;
  // Ends the request with trailers, after the queued body. Needs a request with a body. False if
  // the stream is gone or a field cannot be sent.
  bool submit_trailers(std::int32_t stream, std::span<const http::Header> trailers);
  // Resets a stream (RST_STREAM, CANCEL by default); its closed event follows (cancelled).
  void reset_stream(std::int32_t stream, std::uint32_t error_code = 0x8);
  // The caller is done with a stream: its head, body and queue are freed once nghttp2 is done
  // with it too (a stream still open is reset first, and gets no more events).
  void release(std::int32_t stream);

  // Takes bytes read from the upstream. Returns what happened, per stream in order. The span is
  // valid until the next feed(), take_events() or connection_lost().
  std::span<const ClientEvent> feed(std::span<const std::uint8_t> bytes);
  // Events raised while writing or submitting (a request the server will never see, send queues
  // that drained), which the next feed() would also return.
  std::span<const ClientEvent> take_events();
  // The transport is gone (EOF, a read or write error): every stream still open is closed, as
  // refused if the server cannot have seen it, connection_error otherwise.
  std::span<const ClientEvent> connection_lost();

  // The final response head of a stream, after its response_head event and until release().
  // Status and headers (names lower-case, views into the stream's arena) and the framing.
  const http::ResponseHead* response_head(std::int32_t stream) const;
  // Response body bytes received and not consumed yet.
  std::string_view response_body(std::int32_t stream) const;
  // Response trailers (after response_end), empty if none came.
  std::span<const http::Header> response_trailers(std::int32_t stream) const;
  // The first `bytes` of response_body() left for the client: frees them and lets the server
  // send as much more (WINDOW_UPDATE).
  void consume(std::int32_t stream, std::size_t bytes);

  // Bytes to write to the upstream (serializes what nghttp2 has queued, up to max_output).
  std::string_view pending_output();
  // The first `bytes` of pending_output() were written.
  void output_written(std::size_t bytes);

  // A new request may be submitted now: not closing(), and fewer streams open than the server's
  // SETTINGS_MAX_CONCURRENT_STREAMS (assumed_concurrent_streams before its SETTINGS came).
  bool can_submit() const;
  // The last stream id of the server's GOAWAY (0x7fffffff until one came): streams above it were
  // never processed, and were closed as refused.
  std::int32_t goaway_last_stream() const { return goaway_last_; }
  // The error code of the server's GOAWAY (0 if none, or NO_ERROR).
  std::uint32_t goaway_error_code() const { return goaway_code_; }
  // Graceful: no more requests; GOAWAY(NO_ERROR) once the streams in flight are done, then the
  // session finishes. Otherwise the streams in flight are reset (CANCEL) and closed at once
  // (cancelled), and GOAWAY follows the resets.
  void goaway(bool graceful);

  // No new requests: the server's GOAWAY, goaway(), a connection error or connection_lost(). The
  // streams in flight go on (unless the connection failed): keep feeding and writing until
  // finished().
  bool closing() const { return close_reason_ != ClientCloseReason::none; }
  // Nothing is left to write and nghttp2 expects nothing more: close the connection.
  bool finished() const;
  ClientCloseReason close_reason() const { return close_reason_; }
  // Streams submitted and not yet closed.
  std::size_t open_streams() const { return open_streams_; }
  // Memory the session holds for streams (heads, bodies, send queues) plus unwritten output:
  // bounded by the limits and the streams submitted, checked by the fuzz target.
  std::size_t bytes_held() const;

 private:
  struct Stream;
  struct Callbacks;
  struct NvScratch;

  Stream* find(std::int32_t stream) const;
  void drop_stream(std::int32_t id);
  void close_stream(Stream& stream, StreamEnd end, std::uint32_t error_code);
  void close_all(StreamEnd sent_end);
  void fail_stream(Stream& stream, StreamEnd end, std::uint32_t error_code);
  void fail_protocol();
  void note_body(Stream& stream);
  void push(ClientEvent event) { events_.push_back(event); }
  void settle_consumption();
  void update_state();
  bool maybe_finish_shutdown();
  bool prepare_nv(const RequestPseudo* pseudo, std::span<const http::Header> headers);

  ClientLimits limits_;
  nghttp2_session* session_ = nullptr;
  std::unordered_map<std::int32_t, std::unique_ptr<Stream>> streams_;
  std::vector<std::unique_ptr<Stream>> free_streams_;
  std::vector<ClientEvent> events_;     // queued
  std::vector<ClientEvent> delivered_;  // returned by the last feed()/take_events()
  std::uint64_t batch_ = 0;             // events_ batches handed out so far
  ByteQueue output_;                    // serialized frames not yet written
  std::size_t open_streams_ = 0;
  ClientCloseReason close_reason_ = ClientCloseReason::none;
  bool fatal_ = false;          // nghttp2 failed or the transport is gone
  bool shutting_down_ = false;  // goaway(true): GOAWAY once the streams are done
  std::int32_t goaway_last_ = 0x7fffffff;
  std::uint32_t goaway_code_ = 0;
  std::vector<std::pair<std::int32_t, std::size_t>> to_consume_;  // DATA nobody will read
  std::unique_ptr<NvScratch> nv_;
};

}  // namespace apigw::h2
