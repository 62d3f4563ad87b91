// The nghttp2 callbacks of ServerSession: how received frames become stream state and events.
#include <algorithm>
#include <cstring>
#include <string_view>

#include "h2/server_stream.h"

namespace apigw::h2 {
namespace {

std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace

void ServerSession::Stream::reset(std::int32_t new_id) {
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
  head_fields.clear();
  if (head_fields.capacity() <= kKeptStreamCapacity) fresh.head_fields = std::move(head_fields);
  *this = std::move(fresh);
}

void ServerSession::Callbacks::refuse(ServerSession& session, Stream& stream,
                                      std::uint32_t error_code) {
  stream.dropped = true;
  // Counted against the client when the RST_STREAM goes out (on_frame_send).
  nghttp2_submit_rst_stream(session.session_, NGHTTP2_FLAG_NONE, stream.id, error_code);
}

int ServerSession::Callbacks::on_begin_headers(nghttp2_session*, const nghttp2_frame* frame,
                                               void* user_data) {
  ServerSession& session = self(user_data);
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  if (frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    Stream& stream = session.open_stream(frame->hd.stream_id);
    stream.builder.start(session.limits_.head, stream.arena, stream.head);
    return 0;
  }
  Stream* stream = session.find(frame->hd.stream_id);
  if (stream != nullptr && !stream->dropped) {
    stream->in_trailers = true;
    stream->builder.start_trailers(stream->trailers);
  }
  return 0;
}

int ServerSession::Callbacks::on_header(nghttp2_session*, const nghttp2_frame* frame,
                                        const std::uint8_t* name, std::size_t name_size,
                                        const std::uint8_t* value, std::size_t value_size,
                                        std::uint8_t, void* user_data) {
  ServerSession& session = self(user_data);
  Stream* stream = session.find(frame->hd.stream_id);
  if (stream == nullptr || stream->dropped || stream->released) return 0;
  const FieldVerdict verdict =
      stream->in_trailers
          ? stream->builder.add_trailer(text(name, name_size), text(value, value_size))
          : stream->builder.add(text(name, name_size), text(value, value_size));
  switch (verdict) {
    case FieldVerdict::ok:
      break;
    case FieldVerdict::malformed:
      refuse(session, *stream, NGHTTP2_PROTOCOL_ERROR);
      break;
    case FieldVerdict::abusive:
      refuse(session, *stream, NGHTTP2_ENHANCE_YOUR_CALM);
      if (const Abuse abuse = session.budget_.on_header_bomb(); abuse != Abuse::none) {
        session.pending_abuse_ = abuse;  // GOAWAY once nghttp2 has returned
      }
      break;
  }
  return 0;
}

int ServerSession::Callbacks::on_invalid_header(nghttp2_session*, const nghttp2_frame*,
                                                const std::uint8_t*, std::size_t,
                                                const std::uint8_t*, std::size_t, std::uint8_t,
                                                void*) {
  // A field nghttp2 would skip (a name that is not a token): refused like every malformed field,
  // not dropped silently. nghttp2 resets the stream.
  return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
}

void ServerSession::Callbacks::finish_head(ServerSession& session, Stream& stream,
                                           bool end_stream) {
  stream.outcome = stream.builder.finish(end_stream);
  if (stream.outcome.kind == HeadOutcome::Kind::malformed) {
    refuse(session, stream, NGHTTP2_PROTOCOL_ERROR);
    return;
  }
  stream.head_done = true;
  if (end_stream) {
    stream.request_ended = true;
    stream.news_end = true;
  }
  session.opened_.push_back(stream.id);
}

void ServerSession::Callbacks::finish_trailers(ServerSession& session, Stream& stream) {
  stream.in_trailers = false;
  if (!stream.builder.trailers_ok()) {
    stream.trailers.clear();
    refuse(session, stream, NGHTTP2_PROTOCOL_ERROR);
    return;
  }
  stream.request_ended = true;
  session.note(stream, EventKind::request_end);
}

int ServerSession::Callbacks::on_frame_recv(nghttp2_session*, const nghttp2_frame* frame,
                                            void* user_data) {
  ServerSession& session = self(user_data);
  const bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  switch (frame->hd.type) {
    case NGHTTP2_GOAWAY:
      session.peer_goaway_ = true;
      return 0;
    case NGHTTP2_SETTINGS:
      // nghttp2 takes nothing else as the preface's first frame.
      if ((frame->hd.flags & NGHTTP2_FLAG_ACK) == 0) session.preface_done_ = true;
      return 0;
    case NGHTTP2_HEADERS: {
      Stream* stream = session.find(frame->hd.stream_id);
      if (stream == nullptr || stream->dropped || stream->released) return 0;
      if (!stream->head_done) {
        finish_head(session, *stream, end_stream);
      } else if (stream->in_trailers) {
        finish_trailers(session, *stream);
      }
      return 0;
    }
    case NGHTTP2_DATA: {
      Stream* stream = session.find(frame->hd.stream_id);
      if (stream == nullptr || stream->dropped || !end_stream) return 0;
      stream->request_ended = true;
      session.note(*stream, EventKind::request_end);
      return 0;
    }
    default:
      return 0;
  }
}

int ServerSession::Callbacks::on_data_chunk_recv(nghttp2_session*, std::uint8_t,
                                                 std::int32_t stream_id, const std::uint8_t* data,
                                                 std::size_t size, void* user_data) {
  ServerSession& session = self(user_data);
  Stream* stream = session.find(stream_id);
  if (stream == nullptr || stream->dropped || stream->released) {
    session.to_consume_.emplace_back(stream_id, size);  // nobody reads it: open the window again
    return 0;
  }
  // nghttp2's flow control already bounds this by the window we announced (or the default one
  // the client may use before our SETTINGS arrive); checked again because memory depends on it.
  const std::size_t bound = std::max<std::size_t>(session.limits_.stream_window, 65'535);
  if (stream->body.size() + size > bound) {
    session.to_consume_.emplace_back(stream_id, size);
    refuse(session, *stream, NGHTTP2_FLOW_CONTROL_ERROR);
    return 0;
  }
  stream->trim_body();
  stream->body.append(text(data, size));
  session.note(*stream, EventKind::body);
  return 0;
}

int ServerSession::Callbacks::on_stream_close(nghttp2_session*, std::int32_t stream_id,
                                              std::uint32_t error_code, void* user_data) {
  ServerSession& session = self(user_data);
  Stream* stream = session.find(stream_id);
  if (stream == nullptr) return 0;
  stream->closed = true;
  stream->close_code = error_code;
  // Unread body bytes still hold the connection window: give them back.
  if (!stream->body.empty()) session.to_consume_.emplace_back(stream_id, stream->body.size());
  stream->body.take(stream->body.size());
  stream->trim_body();
  if (stream->reported && !stream->released) {
    session.note(*stream, EventKind::closed);
  } else {
    session.drop_stream(stream_id);  // never reported (D9), or the caller is done with it
  }
  return 0;
}

int ServerSession::Callbacks::on_frame_send(nghttp2_session*, const nghttp2_frame* frame,
                                            void* user_data) {
  ServerSession& session = self(user_data);
  Stream* stream = session.find(frame->hd.stream_id);
  if (frame->hd.type == NGHTTP2_DATA) {
    ++session.unanswered_data_;
    if (stream != nullptr) ++stream->unanswered_data;
  } else if (frame->hd.type == NGHTTP2_RST_STREAM && (stream == nullptr || !stream->caller_reset)) {
    ++session.unsent_refusals_;  // a stream refused on the client's account (MadeYouReset too)
  }
  const bool ends_response =
      (frame->hd.type == NGHTTP2_DATA || frame->hd.type == NGHTTP2_HEADERS) &&
      (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  if (ends_response && stream != nullptr && !stream->request_ended && !stream->closed) {
    // The answer is complete before the request (an early 413, a 431): RFC 9113 §8.1 lets the
    // server stop the rest of the body with RST_STREAM(NO_ERROR), which also frees the stream.
    stream->caller_reset = true;
    nghttp2_submit_rst_stream(session.session_, NGHTTP2_FLAG_NONE, stream->id, NGHTTP2_NO_ERROR);
  }
  return 0;
}

ssize_t ServerSession::Callbacks::read_response(nghttp2_session* ng, std::int32_t stream_id,
                                                std::uint8_t* buf, std::size_t length,
                                                std::uint32_t* data_flags, nghttp2_data_source*,
                                                void* user_data) {
  ServerSession& session = self(user_data);
  Stream* stream = session.find(stream_id);
  if (stream == nullptr) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  bool room_again = false;
  const ssize_t provided =
      stream->sending.provide(ng, stream_id, buf, length, data_flags, session.nv_->nv,
                              session.limits_.max_send_queue, room_again);
  if (room_again) session.note(*stream, EventKind::send_ready);
  return provided;
}

nghttp2_session_callbacks* ServerSession::Callbacks::make() {
  nghttp2_session_callbacks* callbacks = nullptr;
  if (nghttp2_session_callbacks_new(&callbacks) != 0) return nullptr;
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, on_header);
  nghttp2_session_callbacks_set_on_invalid_header_callback(callbacks, on_invalid_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, on_data_chunk_recv);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_stream_close);
  nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, on_frame_send);
  return callbacks;
}

}  // namespace apigw::h2
