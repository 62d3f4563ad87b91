// One client connection's HTTP/2 server side, without I/O (design note §3, decisions D6, D7,
// D9): bytes read from the client go in through feed(), bytes to write come out of
// pending_output(), and in between the caller sees events per stream and answers through
// submit_*(). nghttp2 does the framing, HPACK, stream states and flow control (through
// mem_recv/mem_send only); this class adds the gateway's rules on top:
//
// * Request heads are built by RequestHeadBuilder (h2/request_head.h): a malformed head resets
//   its stream and is never reported; a head past a limit is reported as `refused` (431, 414).
// * New streams are reported only once feed() has processed everything it was given, so a
//   stream opened and reset within one read never reaches the caller (D9).
// * The AbuseBudget judges every frame header before nghttp2 sees the frame and counts refused
//   streams; when it trips, the session queues GOAWAY(ENHANCE_YOUR_CALM), takes no more input
//   and is finished once that is written.
// * Flow control is manual: received DATA waits in the stream's buffer (at most the stream
//   window) until the caller consume()s it, which is what opens the window again.
// * Responses are queued per stream (bounded) and framed by nghttp2 as the peer's windows allow.
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

#include "config/schema.h"
#include "h2/abuse_budget.h"
#include "h2/byte_queue.h"
#include "h2/stream_history.h"
#include "http/message.h"
#include "http/parser.h"

struct nghttp2_session;

namespace apigw::h2 {

struct SessionLimits {
  std::uint32_t max_concurrent_streams = 100;  // SETTINGS_MAX_CONCURRENT_STREAMS
  std::uint32_t stream_window = 65'535;        // SETTINGS_INITIAL_WINDOW_SIZE: body per stream
  std::uint32_t connection_window = 1u << 20;  // all streams' unconsumed bodies together
  // max_header_bytes (also SETTINGS_MAX_HEADER_LIST_SIZE), max_header_count, max_uri_bytes:
  // the same numbers HTTP/1 heads are held to (server.limits).
  http::HeadLimits head{};
  std::size_t max_send_queue = 64 * 1024;  // response bytes queued per stream
  // Frames serialized ahead of the socket by pending_output() (one more frame may pass it). The
  // caller writes them before reading more, so an unread peer cannot make this grow.
  std::size_t max_output = 64 * 1024;
  AbuseLimits abuse{};
};

// The head limits of server.limits, everything else at its default.
SessionLimits session_limits(const config::ServerLimits& limits);

enum class EventKind : std::uint8_t {
  request,      // a new stream and its whole head: request_head(stream)
  refused,      // a new stream the gateway answers itself: Event::refusal (431, 414, 400, 501)
  body,         // more request body waits in request_body(stream)
  request_end,  // the request is complete (END_STREAM); trailers, if any, are in request_trailers
  send_ready,   // the stream's send queue has room again
  closed,       // the stream is over; error_code != 0: it was reset. Call release(stream).
};

struct Event {
  EventKind kind = EventKind::request;
  std::int32_t stream = 0;
  std::uint32_t error_code = 0;  // closed: the RST_STREAM code, 0 when it ended normally
  http::ParseError refusal{};    // refused
};

// Why the session stopped taking input.
enum class CloseReason : std::uint8_t {
  none,
  abuse,           // the abuse budget tripped: abuse() says which
  protocol_error,  // nghttp2 found a connection error (bad preface, flood, compression error)
  goaway,          // the caller's goaway(false), or everything finished after goaway(true)
  peer_done,       // the peer sent GOAWAY and every stream is over
};

class ServerSession {
 public:
  explicit ServerSession(const SessionLimits& limits);
  ~ServerSession();
  ServerSession(const ServerSession&) = delete;
  ServerSession& operator=(const ServerSession&) = delete;

  // Takes bytes read from the client (the connection preface first). Returns what happened:
  // events of streams already reported, then new streams in the order they were opened, each
  // followed by its body and end. The span is valid until the next feed() or take_events().
  std::span<const Event> feed(std::span<const std::uint8_t> bytes, Clock::time_point now);
  std::span<const Event> feed(std::span<const std::uint8_t> bytes) {
    return feed(bytes, Clock::now());
  }
  // Events raised while writing (a stream closed once its response went out, send queues that
  // drained), which the next feed() would also return.
  std::span<const Event> take_events();

  // A reported stream's head, until release(stream). Null for any other stream.
  const http::RequestHead* request_head(std::int32_t stream) const;
  // Request body bytes received and not consumed yet.
  std::string_view request_body(std::int32_t stream) const;
  // Request trailers (after request_end), empty if none came.
  std::span<const http::Header> request_trailers(std::int32_t stream) const;
  // The first `bytes` of request_body() left for the upstream: frees them and lets the client
  // send as much more (WINDOW_UPDATE).
  void consume(std::int32_t stream, std::size_t bytes);

  // Whether submit_response checks the values it is given (names are always checked).
  enum class ValueCheck : std::uint8_t {
    check,
    // Values already checked where they came from (a head the HTTP/1 parser read, or one the
    // gateway's head writer wrote from parsed heads, configuration and its own fields): a second
    // pass over every byte of every response head buys nothing. Debug builds check anyway.
    trusted,
  };
  // Response head. `headers` as an HTTP/1 head would carry them: names are lower-cased, and
  // connection-specific fields are dropped. has_body = false ends the stream with the head.
  // False if the stream is gone, already answered, or a name or value cannot be sent.
  bool submit_response(std::int32_t stream, int status, std::span<const http::Header> headers,
                       bool has_body, ValueCheck values = ValueCheck::check);
  // An interim response (100 Continue): a head without END_STREAM, before submit_response.
  bool submit_informational(std::int32_t stream, int status);
  // Queues response body bytes; returns how many were taken (fewer when the queue is full: wait
  // for send_ready). `end` (with every byte taken) ends the response.
  std::size_t submit_data(std::int32_t stream, std::string_view bytes, bool end);
  std::size_t send_space(std::int32_t stream) const;
  // Ends the response with trailers, after the queued body. Needs a response with a body.
  bool submit_trailers(std::int32_t stream, std::span<const http::Header> trailers);
  // Resets a stream (RST_STREAM, CANCEL by default). Not counted against the client.
  void reset_stream(std::int32_t stream, std::uint32_t error_code = 0x8);
  // The caller is done with a reported stream: its head, body and queue are freed once nghttp2
  // is done with it too (a stream still open is reset first).
  void release(std::int32_t stream);
  // graceful: GOAWAY(NO_ERROR) naming the last stream reported, so the streams in flight finish
  // and newer ones are refused; the session finishes when they are done. Otherwise: GOAWAY and
  // finish once it is written, streams in flight abandoned.
  void goaway(bool graceful);
  // GOAWAY naming the highest stream id possible: clients stop opening streams, the ones they
  // are opening still count (the drain's first step, before goaway(true)).
  void shutdown_notice();

  // Bytes to write to the client (serializes what nghttp2 has queued, up to max_output).
  std::string_view pending_output();
  // The first `bytes` of pending_output() were written.
  void output_written(std::size_t bytes);

  // No more input is taken (abuse, a protocol error, goaway, the peer's GOAWAY with nothing
  // left open): write pending_output(), then close.
  bool closing() const { return close_reason_ != CloseReason::none; }
  // Nothing is left to write and nghttp2 expects nothing more: close the connection.
  bool finished() const;
  CloseReason close_reason() const { return close_reason_; }
  Abuse abuse() const { return abuse_; }
  // A header block is open: the caller's header_read deadline runs.
  bool header_block_open() const { return budget_.header_block_open(); }
  // The client's connection preface (the magic and its first SETTINGS frame) is not all in
  // yet: the caller's header_read deadline runs, as for a request head (a slow preface).
  bool preface_pending() const { return !preface_done_; }
  // The highest stream id reported to the caller.
  std::int32_t last_reported_stream() const { return last_reported_; }
  // Memory the session holds for streams (heads, bodies, send queues) plus unwritten output:
  // bounded by the limits (docs/http2.md), checked by the fuzz target.
  std::size_t bytes_held() const;

 private:
  struct Stream;
  struct Callbacks;
  struct NvScratch;

  Stream* find(std::int32_t stream) const;
  Stream& open_stream(std::int32_t id);
  void drop_stream(std::int32_t id);
  void trip(Abuse abuse);
  // A connection error nghttp2 does not detect: GOAWAY(code), no more input.
  void connection_error(std::uint32_t code);
  void fail_protocol();
  // The RFC 9113 error code of a frame nghttp2 would let pass (0: none), judged on its header.
  std::uint32_t protocol_violation(const FrameHeader& header) const;
  void note_client_frame(const FrameHeader& header);
  void check_priority(const FrameScanner::Piece& piece);
  bool recv(std::span<const std::uint8_t> bytes);
  void judge(const FrameHeader& header);
  void report_new_streams();
  void settle_consumption();
  void charge_refusals();
  void update_close_reason();
  void note(Stream& stream, EventKind kind);
  void append_news(Stream& stream);
  // Fills nv_->nv with :status (when not 0) and `headers`, names lower-cased, in `text` (which
  // must outlive nghttp2's use when `flags` says NO_COPY). False for a field that cannot be sent.
  bool prepare_nv(std::span<const http::Header> headers, int status, std::string& text,
                  std::uint8_t flags, ValueCheck values = ValueCheck::check);

  SessionLimits limits_;
  nghttp2_session* session_ = nullptr;
  FrameScanner scanner_;
  AbuseBudget budget_;
  StreamHistory history_;
  // The stream dependency of the PRIORITY frame being received (its first 4 payload bytes).
  std::uint8_t priority_dependency_[4] = {};
  std::size_t priority_have_ = 0;
  Clock::time_point now_{};
  std::unordered_map<std::int32_t, std::unique_ptr<Stream>> streams_;
  mutable std::int32_t found_id_ = 0;  // find()'s last answer (null once that stream is dropped)
  mutable Stream* found_ = nullptr;
  std::vector<std::unique_ptr<Stream>> free_streams_;
  std::vector<std::int32_t> opened_;   // completed heads not reported yet, in order
  std::vector<std::int32_t> touched_;  // reported streams with news in this feed()
  std::vector<Event> events_;          // queued
  std::vector<Event> delivered_;       // returned by the last feed()/take_events()
  ByteQueue output_;                   // serialized frames not yet written
  std::int32_t last_reported_ = 0;
  CloseReason close_reason_ = CloseReason::none;
  Abuse abuse_ = Abuse::none;
  // DATA frames sent that no connection WINDOW_UPDATE answered yet.
  std::uint32_t unanswered_data_ = 0;
  bool in_feed_ = false;
  bool fatal_ = false;         // nghttp2 failed: nothing more comes out of it
  bool peer_goaway_ = false;   // the client sent GOAWAY
  bool preface_done_ = false;  // the client's first SETTINGS frame came
  bool goaway_sent_ = false;   // goaway(true)
  std::int32_t goaway_last_ = 0x7fffffff;
  std::uint32_t unsent_refusals_ = 0;  // RST_STREAMs nghttp2 or the session sent, not yet charged
  Abuse pending_abuse_ = Abuse::none;  // found inside a callback, acted on once it returns
  std::vector<std::pair<std::int32_t, std::size_t>> to_consume_;  // DATA nobody will read
  std::unique_ptr<NvScratch> nv_;
};

}  // namespace apigw::h2
