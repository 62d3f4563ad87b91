#include "h2/client_session.h"

#include <algorithm>
#include <iterator>
#include <new>

#include "h2/client_stream.h"
#include "h2/nghttp2_setup.h"

namespace apigw::h2 {
namespace {

// An upstream is configured by the operator, not anyone on the Internet, but a broken or
// compromised one must not make the gateway hold more than nghttp2's limits allow.
constexpr std::size_t kMaxContinuations = 8;  // CONTINUATION frames in one header block

}  // namespace

ClientSession::ClientSession(const ClientLimits& limits)
    : limits_(limits), nv_(std::make_unique<NvScratch>()) {
  CallbacksPtr callbacks(Callbacks::make());
  if (!callbacks) throw std::bad_alloc();
  OptionPtr option = common_options(kMaxContinuations, kHeaderTableSize);
  nghttp2_option_set_peer_max_concurrent_streams(option.get(), limits.assumed_concurrent_streams);
  if (nghttp2_session_client_new2(&session_, callbacks.get(), this, option.get()) != 0) {
    throw std::bad_alloc();
  }
  const Announcement ours{limits.stream_window, limits.connection_window,
                          static_cast<std::uint32_t>(limits.head.max_header_bytes)};
  if (!announce(session_, ours)) {
    nghttp2_session_del(session_);
    throw std::bad_alloc();
  }
}

ClientSession::~ClientSession() { nghttp2_session_del(session_); }

ClientSession::Stream* ClientSession::find(std::int32_t stream) const {
  const auto it = streams_.find(stream);
  return it == streams_.end() ? nullptr : it->second.get();
}

void ClientSession::drop_stream(std::int32_t id) {
  // A few streams are kept for reuse; a connection that once had many open gives the rest back.
  constexpr std::size_t kKeptStreams = 8;
  const auto it = streams_.find(id);
  if (it == streams_.end()) return;
  if (free_streams_.size() < kKeptStreams) free_streams_.push_back(std::move(it->second));
  streams_.erase(it);
}

void ClientSession::close_stream(Stream& stream, StreamEnd end, std::uint32_t error_code) {
  if (stream.closed) return;
  stream.closed = true;
  stream.end = end;
  --open_streams_;
  if (stream.released) {
    drop_stream(stream.id);
    return;
  }
  push(ClientEvent{ClientEventKind::closed, stream.id, end, error_code, 0});
}

void ClientSession::close_all(StreamEnd sent_end) {
  // In id order, as the streams were submitted.
  std::vector<std::int32_t> ids;
  for (const auto& [id, stream] : streams_) {
    if (!stream->closed) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  for (const std::int32_t id : ids) {
    Stream* stream = find(id);
    if (stream == nullptr) continue;
    if (stream->failed) {
      close_stream(*stream, stream->end, 0);
    } else if (!stream->headers_sent || id > goaway_last_) {
      close_stream(*stream, StreamEnd::refused, 0);
    } else {
      close_stream(*stream, sent_end, goaway_code_);
    }
  }
}

void ClientSession::fail_stream(Stream& stream, StreamEnd end, std::uint32_t error_code) {
  if (stream.failed || stream.closed) return;
  stream.failed = true;
  stream.end = end;
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream.id, error_code);
}

void ClientSession::fail_protocol() {
  fatal_ = true;
  if (close_reason_ == ClientCloseReason::none) close_reason_ = ClientCloseReason::protocol_error;
  close_all(StreamEnd::connection_error);
}

void ClientSession::note_body(Stream& stream) {
  // One body event per stream and batch, however many DATA frames came.
  if (stream.body_batch == batch_) return;
  stream.body_batch = batch_;
  push(ClientEvent{ClientEventKind::body, stream.id, StreamEnd::complete, 0, 0});
}

void ClientSession::settle_consumption() {
  if (fatal_) {
    to_consume_.clear();
    return;
  }
  for (const auto& [id, bytes] : to_consume_) {
    if (nghttp2_session_find_stream(session_, id) != nullptr) {
      nghttp2_session_consume(session_, id, bytes);
    } else {
      nghttp2_session_consume_connection(session_, bytes);
    }
  }
  to_consume_.clear();
}

void ClientSession::update_state() {
  if (fatal_) return;
  if (nghttp2_session_want_read(session_) == 0) {
    // nghttp2 is done with the connection: after a GOAWAY (ours or the server's) with nothing
    // left open, or a connection error, after which it abandons the streams still open.
    if (close_reason_ == ClientCloseReason::none) {
      close_reason_ = ClientCloseReason::protocol_error;
    }
    close_all(StreamEnd::connection_error);
  }
}

bool ClientSession::maybe_finish_shutdown() {
  // Only once everything queued went out: nghttp2 sends nothing after a terminating GOAWAY, not
  // even the RST_STREAMs submitted before it.
  if (!shutting_down_ || open_streams_ != 0 || fatal_ || nghttp2_session_want_write(session_)) {
    return false;
  }
  shutting_down_ = false;
  nghttp2_session_terminate_session(session_, NGHTTP2_NO_ERROR);
  return true;
}

std::span<const ClientEvent> ClientSession::feed(std::span<const std::uint8_t> bytes) {
  if (!fatal_ && !bytes.empty()) {
    const ssize_t taken = nghttp2_session_mem_recv(session_, bytes.data(), bytes.size());
    // A fatal error (a CONTINUATION flood, a callback failure): the session is unusable.
    if (taken < 0) fail_protocol();
  }
  settle_consumption();
  update_state();
  maybe_finish_shutdown();
  return take_events();
}

std::span<const ClientEvent> ClientSession::take_events() {
  delivered_.swap(events_);
  events_.clear();
  ++batch_;
  return delivered_;
}

std::span<const ClientEvent> ClientSession::connection_lost() {
  if (!fatal_) {
    fatal_ = true;
    if (close_reason_ == ClientCloseReason::none) {
      close_reason_ = ClientCloseReason::connection_lost;
    }
    close_all(StreamEnd::connection_error);
  }
  output_.clear(output_.capacity());  // keeps the memory: a write in flight may still point into it
  return take_events();
}

std::string_view ClientSession::pending_output() {
  while (!fatal_ && output_.size() < limits_.max_output) {
    const std::uint8_t* data = nullptr;
    const ssize_t size = nghttp2_session_mem_send(session_, &data);
    if (size < 0) {
      fail_protocol();
      break;
    }
    if (size == 0) {
      // Every frame handed out so far has had its callbacks: give back what closed or failed
      // streams held (a WINDOW_UPDATE), and end a shutdown whose streams are done (GOAWAY).
      const bool consumed = !to_consume_.empty();
      settle_consumption();
      const bool terminated = maybe_finish_shutdown();
      if ((!consumed && !terminated) || nghttp2_session_want_write(session_) == 0) break;
      continue;
    }
    output_.append(
        std::string_view(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size)));
  }
  update_state();
  return output_.view();
}

void ClientSession::output_written(std::size_t bytes) { output_.take(bytes); }

bool ClientSession::finished() const {
  if (!output_.empty()) return false;
  if (fatal_) return true;
  return nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0;
}

bool ClientSession::can_submit() const {
  if (closing() || shutting_down_) return false;
  const std::uint32_t allowed =
      nghttp2_session_get_remote_settings(session_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
  // Stream ids run out after 2^30 requests: the connection must then be replaced.
  return open_streams_ < allowed && nghttp2_session_get_next_stream_id(session_) <= 0x7fffffffu;
}

void ClientSession::goaway(bool graceful) {
  if (fatal_ || close_reason_ == ClientCloseReason::shutdown) return;
  if (close_reason_ == ClientCloseReason::none) close_reason_ = ClientCloseReason::shutdown;
  if (graceful) {
    shutting_down_ = true;
    maybe_finish_shutdown();
    return;
  }
  // Streams in flight are abandoned (the caller's decision), each reset ahead of the GOAWAY so
  // the server stops working on them even before the connection closes.
  for (const auto& [id, stream] : streams_) {
    if (!stream->closed && !stream->failed) {
      fail_stream(*stream, StreamEnd::cancelled, NGHTTP2_CANCEL);
    }
  }
  close_all(StreamEnd::cancelled);
  shutting_down_ = true;  // GOAWAY once the resets are written
}

const http::ResponseHead* ClientSession::response_head(std::int32_t stream) const {
  const Stream* found = find(stream);
  if (found == nullptr || !found->head_reported) return nullptr;
  return &found->head;
}

std::string_view ClientSession::response_body(std::int32_t stream) const {
  const Stream* found = find(stream);
  if (found == nullptr) return {};
  return found->body.view();
}

std::span<const http::Header> ClientSession::response_trailers(std::int32_t stream) const {
  const Stream* found = find(stream);
  if (found == nullptr || !found->response_ended) return {};
  return found->trailers;
}

void ClientSession::consume(std::int32_t stream, std::size_t bytes) {
  Stream* found = find(stream);
  if (found == nullptr) return;
  bytes = std::min(bytes, found->body.size());
  if (bytes == 0) return;
  found->body.take(bytes);
  found->trim_body();
  if (fatal_) return;
  // A closed stream's unread bytes still hold the connection window until read.
  to_consume_.emplace_back(stream, bytes);
  settle_consumption();
}

void ClientSession::reset_stream(std::int32_t stream, std::uint32_t error_code) {
  Stream* found = find(stream);
  if (found == nullptr || fatal_) return;
  fail_stream(*found, StreamEnd::cancelled, error_code);
}

void ClientSession::release(std::int32_t stream) {
  Stream* found = find(stream);
  if (found == nullptr) return;
  if (!found->body.empty()) {
    if (!fatal_) to_consume_.emplace_back(stream, found->body.size());
    found->body.take(found->body.size());
    found->trim_body();
    settle_consumption();
  }
  if (found->closed) {
    drop_stream(stream);
    return;
  }
  found->released = true;
  if (fatal_) {
    close_stream(*found, StreamEnd::cancelled, 0);
    return;
  }
  fail_stream(*found, StreamEnd::cancelled, NGHTTP2_CANCEL);
}

std::size_t ClientSession::bytes_held() const {
  std::size_t held = output_.capacity();
  auto stream_bytes = [](const Stream& stream) {
    std::size_t trailers = 0;
    for (const auto& [name, value] : stream.sending.trailers) {
      trailers += sizeof(name) + sizeof(value) + name.capacity() + value.capacity();
    }
    return sizeof(Stream) + stream.arena.bytes_held() + stream.body.capacity() +
           stream.sending.queue.capacity() + trailers +
           (stream.head.headers.capacity() + stream.trailers.capacity()) * sizeof(http::Header);
  };
  for (const auto& [id, stream] : streams_) held += stream_bytes(*stream);
  for (const auto& stream : free_streams_) held += stream_bytes(*stream);
  return held;
}

}  // namespace apigw::h2
