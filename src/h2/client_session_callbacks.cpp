// The nghttp2 callbacks of ClientSession: how received frames become stream state and events,
// and how each stream learns how it ended.
#include <algorithm>
#include <string_view>

#include "h2/client_stream.h"

namespace apigw::h2 {
namespace {

std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace

void ClientSession::Stream::reset(std::int32_t new_id) {
  // Buffers keep their capacity, so a reused stream allocates nothing; the big ones (a body or a
  // queue that filled a window) are given back.
  Stream fresh;
  fresh.id = new_id;
  arena.clear();
  fresh.arena = std::move(arena);
  head.clear();
  fresh.head = std::move(head);
  trailers.clear();
  fresh.trailers = std::move(trailers);
  body.clear(kKeptStreamCapacity);
  fresh.body = std::move(body);
  sending.queue.clear(kKeptStreamCapacity);
  fresh.sending.queue = std::move(sending.queue);
  *this = std::move(fresh);
}

void ClientSession::Callbacks::judge(ClientSession& session, Stream& stream,
                                     ResponseVerdict verdict) {
  switch (verdict) {
    case ResponseVerdict::ok:
      return;
    case ResponseVerdict::malformed:
      session.fail_stream(stream, StreamEnd::malformed_response, NGHTTP2_PROTOCOL_ERROR);
      return;
    case ResponseVerdict::too_large:
      // RFC 9113 §10.5.1: a client may discard a response it cannot process. Nothing past the
      // limit is stored; nghttp2 still decodes the rest of the block (HPACK state), unreported.
      session.fail_stream(stream, StreamEnd::response_too_large, NGHTTP2_INTERNAL_ERROR);
      return;
  }
}

int ClientSession::Callbacks::on_begin_headers(nghttp2_session*, const nghttp2_frame* frame,
                                               void* user_data) {
  ClientSession& session = self(user_data);
  // PUSH_PROMISE: push is off (SETTINGS_ENABLE_PUSH=0). nghttp2 1.52 cancels a promised stream
  // itself until the server acknowledged that, and fails the connection after.
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  Stream* stream = session.find(frame->hd.stream_id);
  if (stream == nullptr || stream->failed) return 0;
  if (!stream->head_reported) {
    // The final head, or an interim one before it: nothing of an interim head is kept.
    stream->in_head = true;
    stream->arena.clear();
    stream->builder.start(session.limits_.head, stream->arena, stream->head);
  } else {
    stream->in_trailers = true;
    stream->builder.start_trailers(stream->trailers);
  }
  return 0;
}

int ClientSession::Callbacks::on_header(nghttp2_session*, const nghttp2_frame* frame,
                                        const std::uint8_t* name, std::size_t name_size,
                                        const std::uint8_t* value, std::size_t value_size,
                                        std::uint8_t, void* user_data) {
  ClientSession& session = self(user_data);
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;  // a PUSH_PROMISE's request, refused
  Stream* stream = session.find(frame->hd.stream_id);
  if (stream == nullptr || stream->failed || !(stream->in_head || stream->in_trailers)) return 0;
  const ResponseVerdict verdict =
      stream->in_trailers
          ? stream->builder.add_trailer(text(name, name_size), text(value, value_size))
          : stream->builder.add(text(name, name_size), text(value, value_size));
  judge(session, *stream, verdict);
  return 0;
}

int ClientSession::Callbacks::on_invalid_header(nghttp2_session*, const nghttp2_frame* frame,
                                                const std::uint8_t*, std::size_t,
                                                const std::uint8_t*, std::size_t, std::uint8_t,
                                                void* user_data) {
  // A field nghttp2 would skip (a name that is not a token, a value with a control character):
  // refused like every malformed field, not dropped silently.
  ClientSession& session = self(user_data);
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  Stream* stream = session.find(frame->hd.stream_id);
  if (stream != nullptr) judge(session, *stream, ResponseVerdict::malformed);
  return 0;
}

void ClientSession::Callbacks::finish_head(ClientSession& session, Stream& stream,
                                           bool end_stream) {
  stream.in_head = false;
  const ResponseVerdict verdict = stream.builder.finish(end_stream, stream.head_request);
  if (verdict != ResponseVerdict::ok) {
    judge(session, stream, verdict);
    return;
  }
  if (stream.head.status < 200) {
    session.push(ClientEvent{ClientEventKind::informational, stream.id, StreamEnd::complete, 0,
                             stream.head.status});
    return;
  }
  stream.head_reported = true;
  session.push(ClientEvent{ClientEventKind::response_head, stream.id});
  if (end_stream) {
    stream.response_ended = true;
    session.push(ClientEvent{ClientEventKind::response_end, stream.id});
  }
}

void ClientSession::Callbacks::finish_trailers(ClientSession& session, Stream& stream) {
  stream.in_trailers = false;
  stream.response_ended = true;
  session.push(ClientEvent{ClientEventKind::response_end, stream.id});
}

int ClientSession::Callbacks::on_frame_recv(nghttp2_session*, const nghttp2_frame* frame,
                                            void* user_data) {
  ClientSession& session = self(user_data);
  const bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  switch (frame->hd.type) {
    case NGHTTP2_GOAWAY:
      // nghttp2 closes the streams above last_stream_id right after this (REFUSED_STREAM).
      if (session.close_reason_ == ClientCloseReason::none) {
        session.close_reason_ = ClientCloseReason::peer_goaway;
      }
      session.goaway_last_ = std::min(session.goaway_last_, frame->goaway.last_stream_id);
      session.goaway_code_ = frame->goaway.error_code;
      return 0;
    case NGHTTP2_RST_STREAM:
      if (Stream* stream = session.find(frame->hd.stream_id); stream != nullptr) {
        stream->peer_reset = true;
      }
      return 0;
    case NGHTTP2_HEADERS: {
      Stream* stream = session.find(frame->hd.stream_id);
      if (stream == nullptr || stream->failed) return 0;
      if (stream->in_head) {
        finish_head(session, *stream, end_stream);
      } else if (stream->in_trailers) {
        finish_trailers(session, *stream);
      }
      return 0;
    }
    case NGHTTP2_DATA: {
      Stream* stream = session.find(frame->hd.stream_id);
      if (stream == nullptr || stream->failed || !end_stream) return 0;
      stream->response_ended = true;
      session.push(ClientEvent{ClientEventKind::response_end, stream->id});
      return 0;
    }
    default:
      return 0;
  }
}

int ClientSession::Callbacks::on_invalid_frame_recv(nghttp2_session*, const nghttp2_frame* frame,
                                                    int, void* user_data) {
  // nghttp2's HTTP messaging checks (RFC 9113 §8.1.1) found the response malformed, or its DATA
  // broke flow control; it resets the stream itself. (A PUSH_PROMISE names the request's stream
  // too, but is the connection's error.)
  ClientSession& session = self(user_data);
  if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
  Stream* stream = session.find(frame->hd.stream_id);
  if (stream != nullptr && !stream->failed && !stream->closed) {
    stream->failed = true;
    stream->end = StreamEnd::malformed_response;
  }
  return 0;
}

int ClientSession::Callbacks::on_data_chunk_recv(nghttp2_session*, std::uint8_t,
                                                 std::int32_t stream_id, const std::uint8_t* data,
                                                 std::size_t size, void* user_data) {
  ClientSession& session = self(user_data);
  Stream* stream = session.find(stream_id);
  if (stream == nullptr || stream->failed || stream->released) {
    session.to_consume_.emplace_back(stream_id, size);  // nobody reads it: open the window again
    return 0;
  }
  // nghttp2's flow control already bounds this by the window we announced (or the default one
  // the server may use before our SETTINGS arrive); checked again because memory depends on it.
  const std::size_t bound = std::max<std::size_t>(session.limits_.stream_window, 65'535);
  if (stream->body.size() + size > bound) {
    session.to_consume_.emplace_back(stream_id, size);
    session.fail_stream(*stream, StreamEnd::malformed_response, NGHTTP2_FLOW_CONTROL_ERROR);
    return 0;
  }
  stream->trim_body();
  stream->body.append(text(data, size));
  session.note_body(*stream);
  return 0;
}

int ClientSession::Callbacks::on_stream_close(nghttp2_session*, std::int32_t stream_id,
                                              std::uint32_t error_code, void* user_data) {
  ClientSession& session = self(user_data);
  Stream* stream = session.find(stream_id);
  if (stream == nullptr) return 0;
  StreamEnd end = StreamEnd::complete;
  if (stream->failed) {
    end = stream->end;
  } else if (error_code == NGHTTP2_REFUSED_STREAM || stream_id > session.goaway_last_) {
    end = StreamEnd::refused;  // the server's RST_STREAM, or closed by nghttp2 on its GOAWAY
  } else if (stream->peer_reset) {
    // RFC 9113 §8.1: RST_STREAM(NO_ERROR) after a complete response only stops the request.
    end = error_code == NGHTTP2_NO_ERROR && stream->response_ended ? StreamEnd::complete
                                                                   : StreamEnd::reset_by_server;
  } else if (error_code != NGHTTP2_NO_ERROR) {
    end = StreamEnd::malformed_response;  // nghttp2 reset it for a stream error of the server
  } else if (!stream->response_ended) {
    end = StreamEnd::connection_error;
  }
  session.close_stream(*stream, end, error_code);
  return 0;
}

int ClientSession::Callbacks::on_frame_send(nghttp2_session*, const nghttp2_frame* frame,
                                            void* user_data) {
  ClientSession& session = self(user_data);
  switch (frame->hd.type) {
    case NGHTTP2_HEADERS:
      if (Stream* stream = session.find(frame->hd.stream_id); stream != nullptr) {
        stream->headers_sent = true;
      }
      return 0;
    case NGHTTP2_RST_STREAM:
      if (Stream* stream = session.find(frame->hd.stream_id);
          stream != nullptr && !stream->failed) {
        // nghttp2's own reset, for a stream error of the server we did not see in a callback.
        stream->failed = true;
        stream->end = StreamEnd::malformed_response;
      }
      return 0;
    case NGHTTP2_GOAWAY:
      // Not ours (goaway() and a finished shutdown say NO_ERROR): nghttp2 ends the connection
      // for a connection error of the server.
      if (frame->goaway.error_code != NGHTTP2_NO_ERROR &&
          session.close_reason_ != ClientCloseReason::shutdown) {
        session.close_reason_ = ClientCloseReason::protocol_error;
      }
      return 0;
    default:
      return 0;
  }
}

int ClientSession::Callbacks::on_frame_not_send(nghttp2_session*, const nghttp2_frame* frame, int,
                                                void* user_data) {
  // A request nghttp2 never sent: the server's GOAWAY came first, or the caller cancelled it.
  ClientSession& session = self(user_data);
  if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
  Stream* stream = session.find(frame->hd.stream_id);
  if (stream == nullptr) return 0;
  session.close_stream(*stream, stream->failed ? stream->end : StreamEnd::refused,
                       NGHTTP2_REFUSED_STREAM);
  return 0;
}

ssize_t ClientSession::Callbacks::read_request(nghttp2_session* ng, std::int32_t stream_id,
                                               std::uint8_t* buf, std::size_t length,
                                               std::uint32_t* data_flags, nghttp2_data_source*,
                                               void* user_data) {
  ClientSession& session = self(user_data);
  Stream* stream = session.find(stream_id);
  if (stream == nullptr) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  bool room_again = false;
  const ssize_t provided =
      stream->sending.provide(ng, stream_id, buf, length, data_flags, session.nv_->nv,
                              session.limits_.max_send_queue, room_again);
  if (room_again) session.push(ClientEvent{ClientEventKind::send_ready, stream->id});
  return provided;
}

nghttp2_session_callbacks* ClientSession::Callbacks::make() {
  nghttp2_session_callbacks* callbacks = nullptr;
  if (nghttp2_session_callbacks_new(&callbacks) != 0) return nullptr;
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, on_header);
  nghttp2_session_callbacks_set_on_invalid_header_callback(callbacks, on_invalid_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, on_frame_recv);
  nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(callbacks, on_invalid_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, on_data_chunk_recv);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_stream_close);
  nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, on_frame_send);
  nghttp2_session_callbacks_set_on_frame_not_send_callback(callbacks, on_frame_not_send);
  return callbacks;
}

}  // namespace apigw::h2
