// Internal to src/h2: what ServerSession keeps per stream (its head, body, response queue) and
// the nghttp2 callbacks that fill it. Not for other layers: they see ServerSession's API.
#pragma once

#include <nghttp2/nghttp2.h>

#include <string>
#include <utility>
#include <vector>

#include "h2/byte_queue.h"
#include "h2/header_arena.h"
#include "h2/outbound_body.h"
#include "h2/request_head.h"
#include "h2/server_session.h"

namespace apigw::h2 {

struct ServerSession::Stream {
  std::int32_t id = 0;
  // Request side.
  HeaderArena arena;
  RequestHeadBuilder builder;
  http::RequestHead head;
  std::vector<http::Header> trailers;
  HeadOutcome outcome;
  ByteQueue body;  // received, not consumed
  bool in_trailers = false;
  bool head_done = false;  // the head block ended (request or refused)
  bool dropped = false;    // reset by the session (malformed, over limits): its DATA is discarded
  bool reported = false;
  bool request_ended = false;
  bool closed = false;  // nghttp2 is done with it
  bool released = false;
  std::uint32_t close_code = 0;
  // News of the current feed(), reported after it (reported streams) or with the stream.
  bool news_body = false;
  bool news_end = false;
  bool news_closed = false;
  bool touched = false;
  // Response side.
  bool responded = false;
  bool caller_reset = false;
  // DATA frames sent that no WINDOW_UPDATE answered yet: each earns the client one free update.
  std::uint32_t unanswered_data = 0;
  OutboundBody sending;  // the response body
  // The final response head's lower-cased names and values: nghttp2 takes them without a copy
  // (NGHTTP2_NV_FLAG_NO_COPY_*) and reads them when it sends the HEADERS frame, which is before
  // the stream closes and this stream object can be reused.
  std::string head_fields;

  // Forgets consumed body bytes: the buffer stays under twice the window whatever the caller
  // leaves unread, and an empty one gives its memory back, so what all streams hold follows
  // what the connection window lets in (not every stream's largest moment).
  void trim_body() { body.trim(kKeptBodyCapacity); }
  // Back to a fresh stream; big buffers are given back rather than kept for reuse.
  void reset(std::int32_t new_id);
};

// The nghttp2 callbacks, as static members so they reach the session's private state.
struct ServerSession::Callbacks {
  static ServerSession& self(void* user_data) { return *static_cast<ServerSession*>(user_data); }
  static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user_data);
  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                       std::size_t name_size, const std::uint8_t* value, std::size_t value_size,
                       std::uint8_t flags, void* user_data);
  static int on_invalid_header(nghttp2_session*, const nghttp2_frame* frame,
                               const std::uint8_t* name, std::size_t name_size,
                               const std::uint8_t* value, std::size_t value_size,
                               std::uint8_t flags, void* user_data);
  static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user_data);
  static int on_data_chunk_recv(nghttp2_session*, std::uint8_t flags, std::int32_t stream_id,
                                const std::uint8_t* data, std::size_t size, void* user_data);
  static int on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t error_code,
                             void* user_data);
  static int on_frame_send(nghttp2_session*, const nghttp2_frame* frame, void* user_data);
  static ssize_t read_response(nghttp2_session*, std::int32_t stream_id, std::uint8_t* buf,
                               std::size_t length, std::uint32_t* data_flags,
                               nghttp2_data_source* source, void* user_data);

  // The callbacks table every session uses.
  static nghttp2_session_callbacks* make();

  static void finish_head(ServerSession& session, Stream& stream, bool end_stream);
  static void finish_trailers(ServerSession& session, Stream& stream);
  static void refuse(ServerSession& session, Stream& stream, std::uint32_t error_code);
};

// Lower-cased names and the nghttp2_nv array pointing at them, reused by every submit_*.
struct ServerSession::NvScratch {
  std::string text;
  std::vector<nghttp2_nv> nv;
};

}  // namespace apigw::h2
