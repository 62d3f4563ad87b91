// Internal to src/h2: what ClientSession keeps per stream (its request queue, the response head,
// body and trailers) and the nghttp2 callbacks that fill it. Not for other layers: they see
// ClientSession's API.
#pragma once

#include <nghttp2/nghttp2.h>

#include <string>
#include <utility>
#include <vector>

#include "h2/byte_queue.h"
#include "h2/client_session.h"
#include "h2/header_arena.h"
#include "h2/outbound_body.h"
#include "h2/response_head.h"

namespace apigw::h2 {

struct ClientSession::Stream {
  std::int32_t id = 0;
  // Request side.
  bool head_request = false;  // HEAD: no response body, whatever the head declares
  bool headers_sent = false;  // the HEADERS frame was serialized: the server may see it
  OutboundBody sending;       // the request body
  // Response side.
  HeaderArena arena;
  ResponseHeadBuilder builder;
  http::ResponseHead head;
  std::vector<http::Header> trailers;
  ByteQueue body;                                // received, not consumed
  std::uint64_t body_batch = ~std::uint64_t{0};  // the event batch its last body event went to
  bool in_head = false;                          // a response header block is open
  bool in_trailers = false;                      // the trailer block is open
  bool head_reported = false;
  bool response_ended = false;
  // State.
  bool failed = false;  // reset by the session or the caller: its frames are ignored
  bool peer_reset = false;
  bool closed = false;  // the closed event went out
  bool released = false;
  StreamEnd end = StreamEnd::complete;  // once failed or closed

  // Forgets consumed body bytes: the buffer stays under twice the window whatever the caller
  // leaves unread, and an empty one gives its memory back.
  void trim_body() { body.trim(kKeptBodyCapacity); }
  // Back to a fresh stream; big buffers are given back rather than kept for reuse.
  void reset(std::int32_t new_id);
};

// The nghttp2 callbacks, as static members so they reach the session's private state.
struct ClientSession::Callbacks {
  static ClientSession& self(void* user_data) { return *static_cast<ClientSession*>(user_data); }
  static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user_data);
  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                       std::size_t name_size, const std::uint8_t* value, std::size_t value_size,
                       std::uint8_t flags, void* user_data);
  static int on_invalid_header(nghttp2_session*, const nghttp2_frame* frame,
                               const std::uint8_t* name, std::size_t name_size,
                               const std::uint8_t* value, std::size_t value_size,
                               std::uint8_t flags, void* user_data);
  static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user_data);
  static int on_invalid_frame_recv(nghttp2_session*, const nghttp2_frame* frame, int lib_error,
                                   void* user_data);
  static int on_data_chunk_recv(nghttp2_session*, std::uint8_t flags, std::int32_t stream_id,
                                const std::uint8_t* data, std::size_t size, void* user_data);
  static int on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t error_code,
                             void* user_data);
  static int on_frame_send(nghttp2_session*, const nghttp2_frame* frame, void* user_data);
  static int on_frame_not_send(nghttp2_session*, const nghttp2_frame* frame, int lib_error,
                               void* user_data);
  static ssize_t read_request(nghttp2_session*, std::int32_t stream_id, std::uint8_t* buf,
                              std::size_t length, std::uint32_t* data_flags,
                              nghttp2_data_source* source, void* user_data);

  // The callbacks table every session uses.
  static nghttp2_session_callbacks* make();

  static void finish_head(ClientSession& session, Stream& stream, bool end_stream);
  static void finish_trailers(ClientSession& session, Stream& stream);
  static void judge(ClientSession& session, Stream& stream, ResponseVerdict verdict);
};

// Lower-cased names and the nghttp2_nv array pointing at them, reused by every submit_*.
struct ClientSession::NvScratch {
  std::string text;
  std::vector<nghttp2_nv> nv;
};

}  // namespace apigw::h2
