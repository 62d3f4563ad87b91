#include "h2/server_session.h"

#include <algorithm>
#include <iterator>
#include <new>
#include <utility>

#include "h2/nghttp2_setup.h"
#include "h2/server_stream.h"

namespace apigw::h2 {
namespace {

// nghttp2's own limits: a backstop behind the abuse budget, looser than it or equal where the
// budget judges the frame first (continuations). Defaults of nghttp2 1.52 set explicitly, since
// Debian's backported protections apply only when set.
constexpr std::uint64_t kNghttp2ResetBurst = 1000;
constexpr std::uint64_t kNghttp2ResetRate = 33;
// Response heads are encoded with the static table and literals only, as HAProxy does: keeping
// a dynamic table costs nghttp2 a search and an insertion per field (most of a response's HPACK
// CPU, measured with callgrind: docs/performance-http2.md) to save bytes a response's own
// headers rarely repeat across streams (request ids, dates, content lengths differ).
constexpr std::uint32_t kResponseTableSize = 0;

}  // namespace

SessionLimits session_limits(const config::ServerLimits& limits) {
  SessionLimits out;
  out.head.max_header_bytes = limits.max_header_bytes;
  out.head.max_header_count = limits.max_header_count;
  out.head.max_uri_bytes = limits.max_uri_bytes;
  return out;
}

ServerSession::ServerSession(const SessionLimits& limits)
    : limits_(limits),
      budget_(limits.abuse, std::max<std::size_t>(4 * limits.head.max_header_bytes, 64 * 1024)),
      nv_(std::make_unique<NvScratch>()) {
  CallbacksPtr callbacks(Callbacks::make());
  if (!callbacks) throw std::bad_alloc();
  OptionPtr option = common_options(limits.abuse.max_continuations, kResponseTableSize);
  nghttp2_option_set_no_recv_client_magic(option.get(), 0);
  nghttp2_option_set_stream_reset_rate_limit(option.get(), kNghttp2ResetBurst, kNghttp2ResetRate);
  if (nghttp2_session_server_new2(&session_, callbacks.get(), this, option.get()) != 0) {
    throw std::bad_alloc();
  }
  const Announcement ours{limits.stream_window, limits.connection_window,
                          static_cast<std::uint32_t>(limits.head.max_header_bytes),
                          limits.max_concurrent_streams};
  if (!announce(session_, ours)) {
    nghttp2_session_del(session_);
    throw std::bad_alloc();
  }
}

ServerSession::~ServerSession() { nghttp2_session_del(session_); }

ServerSession::Stream* ServerSession::find(std::int32_t stream) const {
  // Calls come in runs for one stream (its header fields, then its response): the last answer
  // is kept, which saves a hash lookup on most of a request's dozen and a half.
  if (stream == found_id_ && found_ != nullptr) return found_;
  const auto it = streams_.find(stream);
  if (it == streams_.end()) return nullptr;
  found_id_ = stream;
  found_ = it->second.get();
  return found_;
}

ServerSession::Stream& ServerSession::open_stream(std::int32_t id) {
  std::unique_ptr<Stream> stream;
  if (free_streams_.empty()) {
    stream = std::make_unique<Stream>();
    stream->id = id;
  } else {
    stream = std::move(free_streams_.back());
    free_streams_.pop_back();
    stream->reset(id);
  }
  Stream& opened = *stream;
  streams_[id] = std::move(stream);
  found_id_ = id;
  found_ = &opened;
  return opened;
}

void ServerSession::drop_stream(std::int32_t id) {
  // A few streams are kept for reuse; a connection that once had many open gives the rest back.
  constexpr std::size_t kKeptStreams = 8;
  const auto it = streams_.find(id);
  if (it == streams_.end()) return;
  if (found_ == it->second.get()) found_ = nullptr;
  if (free_streams_.size() < kKeptStreams) free_streams_.push_back(std::move(it->second));
  streams_.erase(it);
}

void ServerSession::trip(Abuse abuse) {
  if (closing()) return;
  abuse_ = abuse;
  close_reason_ = CloseReason::abuse;
  // GOAWAY with the last stream nghttp2 processed; it takes no more frames after this.
  nghttp2_session_terminate_session(session_, NGHTTP2_ENHANCE_YOUR_CALM);
}

void ServerSession::connection_error(std::uint32_t code) {
  if (closing()) return;
  close_reason_ = CloseReason::protocol_error;
  nghttp2_session_terminate_session(session_, code);
}

void ServerSession::fail_protocol() {
  fatal_ = true;
  if (close_reason_ == CloseReason::none) close_reason_ = CloseReason::protocol_error;
}

bool ServerSession::recv(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return true;
  const ssize_t taken = nghttp2_session_mem_recv(session_, bytes.data(), bytes.size());
  if (taken < 0) {
    fail_protocol();  // bad preface, flood, callback failure: the session is unusable
    return false;
  }
  if (pending_abuse_ != Abuse::none) trip(std::exchange(pending_abuse_, Abuse::none));
  return true;
}

void ServerSession::judge(const FrameHeader& header) {
  bool useful_window_update = false;
  if (header.is(FrameType::window_update)) {
    // A WINDOW_UPDATE is worth something when it answers a DATA frame of ours on its stream
    // (or the connection): the client is opening a window we are using. Clients that update
    // after every frame get one free update per frame; more are charged.
    std::uint32_t* unanswered = &unanswered_data_;
    if (header.stream != 0) {
      Stream* stream = find(header.stream);
      unanswered = stream != nullptr ? &stream->unanswered_data : nullptr;
    }
    if (unanswered != nullptr && *unanswered > 0) {
      --*unanswered;
      useful_window_update = true;
    }
  }
  if (const std::uint32_t code = protocol_violation(header); code != 0) {
    connection_error(code);
    return;
  }
  note_client_frame(header);
  const Abuse abuse = budget_.on_frame(header, useful_window_update, now_);
  if (abuse != Abuse::none) trip(abuse);
}

std::span<const Event> ServerSession::feed(std::span<const std::uint8_t> bytes,
                                           Clock::time_point now) {
  now_ = now;
  in_feed_ = true;
  while (!bytes.empty() && !closing()) {
    const FrameScanner::Piece piece = scanner_.next(bytes);
    switch (piece.kind) {
      case FrameScanner::Kind::none:
        break;
      case FrameScanner::Kind::header:
        judge(scanner_.header());
        if (!closing()) recv(piece.bytes);
        break;
      case FrameScanner::Kind::payload: {
        const FrameHeader& header = scanner_.header();
        if (header.is(FrameType::data) && header.has(kFlagPadded) && piece.payload_offset == 0 &&
            header.length == std::size_t{piece.bytes[0]} + 1) {
          if (const Abuse abuse = budget_.on_padding_only_data(header); abuse != Abuse::none) {
            trip(abuse);
            break;
          }
        }
        if (header.is(FrameType::priority)) {
          check_priority(piece);
          if (closing()) break;
        }
        recv(piece.bytes);
        break;
      }
      case FrameScanner::Kind::preface:
        recv(piece.bytes);
        break;
    }
  }
  settle_consumption();
  in_feed_ = false;
  for (const std::int32_t id : touched_) {
    if (Stream* stream = find(id); stream != nullptr) append_news(*stream);
  }
  touched_.clear();
  report_new_streams();
  update_close_reason();
  return take_events();
}

std::span<const Event> ServerSession::take_events() {
  delivered_.swap(events_);
  events_.clear();
  return delivered_;
}

void ServerSession::note(Stream& stream, EventKind kind) {
  if (!stream.reported) {
    // Reported with the stream's head, after the whole read (D9).
    if (kind == EventKind::body) stream.news_body = true;
    if (kind == EventKind::request_end) stream.news_end = true;
    return;
  }
  if (!in_feed_) {
    events_.push_back(Event{kind, stream.id, kind == EventKind::closed ? stream.close_code : 0});
    return;
  }
  switch (kind) {
    case EventKind::body:
      stream.news_body = true;
      break;
    case EventKind::request_end:
      stream.news_end = true;
      break;
    case EventKind::closed:
      stream.news_closed = true;
      break;
    default:  // send_ready: reported at once, it concerns the response
      events_.push_back(Event{kind, stream.id, 0});
      return;
  }
  if (!stream.touched) {
    stream.touched = true;
    touched_.push_back(stream.id);
  }
}

void ServerSession::append_news(Stream& stream) {
  // Per stream always in this order: body, end, closed.
  if (stream.news_body) events_.push_back(Event{EventKind::body, stream.id, 0});
  if (stream.news_end) events_.push_back(Event{EventKind::request_end, stream.id, 0});
  if (stream.news_closed) {
    events_.push_back(Event{EventKind::closed, stream.id, stream.close_code});
  }
  stream.news_body = stream.news_end = stream.news_closed = stream.touched = false;
}

void ServerSession::report_new_streams() {
  for (const std::int32_t id : opened_) {
    Stream* stream = find(id);
    if (stream == nullptr || stream->closed || stream->dropped) continue;
    if (closing()) continue;  // a connection being closed for abuse serves nothing more
    if (id > goaway_last_) {
      // Opened after our GOAWAY named the last stream we would serve.
      reset_stream(id, NGHTTP2_REFUSED_STREAM);
      continue;
    }
    stream->reported = true;
    last_reported_ = std::max(last_reported_, id);
    if (stream->outcome.kind == HeadOutcome::Kind::refused) {
      events_.push_back(Event{EventKind::refused, id, 0, stream->outcome.error});
    } else {
      events_.push_back(Event{EventKind::request, id, 0});
    }
    append_news(*stream);
  }
  opened_.clear();
}

void ServerSession::settle_consumption() {
  for (const auto& [id, bytes] : to_consume_) {
    if (nghttp2_session_find_stream(session_, id) != nullptr) {
      nghttp2_session_consume(session_, id, bytes);
    } else {
      nghttp2_session_consume_connection(session_, bytes);
    }
  }
  to_consume_.clear();
}

void ServerSession::charge_refusals() {
  for (; unsent_refusals_ > 0; --unsent_refusals_) {
    if (const Abuse abuse = budget_.on_refused_stream(now_); abuse != Abuse::none) {
      unsent_refusals_ = 0;
      trip(abuse);
      return;
    }
  }
}

void ServerSession::update_close_reason() {
  if (close_reason_ != CloseReason::none || nghttp2_session_want_read(session_) != 0) return;
  if (goaway_sent_) {
    close_reason_ = CloseReason::goaway;
  } else if (peer_goaway_) {
    close_reason_ = CloseReason::peer_done;
  } else {
    close_reason_ = CloseReason::protocol_error;  // nghttp2 sent GOAWAY for a connection error
  }
}

std::string_view ServerSession::pending_output() {
  while (!fatal_ && output_.size() < limits_.max_output) {
    const std::uint8_t* data = nullptr;
    const ssize_t size = nghttp2_session_mem_send(session_, &data);
    if (size < 0) {
      fail_protocol();
      break;
    }
    if (size == 0) {
      // Every frame handed out so far has had its callbacks: charge the streams refused by
      // them, give back what closed streams held; either may queue more frames.
      const bool had_work = unsent_refusals_ != 0 || !to_consume_.empty();
      charge_refusals();
      settle_consumption();
      if (!had_work || nghttp2_session_want_write(session_) == 0) break;
      continue;
    }
    output_.append(
        std::string_view(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size)));
  }
  update_close_reason();
  return output_.view();
}

void ServerSession::output_written(std::size_t bytes) { output_.take(bytes); }

bool ServerSession::finished() const {
  if (!output_.empty()) return false;
  if (fatal_) return true;
  return nghttp2_session_want_read(session_) == 0 && nghttp2_session_want_write(session_) == 0;
}

const http::RequestHead* ServerSession::request_head(std::int32_t stream) const {
  const Stream* found = find(stream);
  if (found == nullptr || !found->reported) return nullptr;
  return &found->head;
}

std::string_view ServerSession::request_body(std::int32_t stream) const {
  const Stream* found = find(stream);
  if (found == nullptr || !found->reported) return {};
  return found->body.view();
}

std::span<const http::Header> ServerSession::request_trailers(std::int32_t stream) const {
  const Stream* found = find(stream);
  if (found == nullptr || !found->reported) return {};
  return found->trailers;
}

void ServerSession::consume(std::int32_t stream, std::size_t bytes) {
  Stream* found = find(stream);
  if (found == nullptr) return;
  bytes = std::min(bytes, found->body.size());
  if (bytes == 0) return;
  found->body.take(bytes);
  found->trim_body();
  if (!found->closed) nghttp2_session_consume(session_, stream, bytes);
}

void ServerSession::reset_stream(std::int32_t stream, std::uint32_t error_code) {
  Stream* found = find(stream);
  if (found == nullptr || found->closed) return;
  found->caller_reset = true;
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream, error_code);
}

void ServerSession::release(std::int32_t stream) {
  Stream* found = find(stream);
  if (found == nullptr) return;
  if (found->closed) {
    drop_stream(stream);
    return;
  }
  found->released = true;
  // A response still being written keeps the stream until nghttp2 is done with it; one that
  // never will be complete is cancelled.
  const bool response_complete = found->responded && !found->sending.open();
  if (!response_complete) reset_stream(stream, NGHTTP2_CANCEL);
  if (!found->body.empty()) {
    to_consume_.emplace_back(stream, found->body.size());
    found->body.take(found->body.size());
    found->trim_body();
    settle_consumption();
  }
}

void ServerSession::goaway(bool graceful) {
  if (closing()) return;
  if (!graceful) {
    close_reason_ = CloseReason::goaway;
    nghttp2_session_terminate_session(session_, NGHTTP2_NO_ERROR);
    return;
  }
  goaway_sent_ = true;
  goaway_last_ = last_reported_;
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE, last_reported_, NGHTTP2_NO_ERROR, nullptr, 0);
}

void ServerSession::shutdown_notice() {
  if (!closing()) nghttp2_submit_shutdown_notice(session_);
}

std::size_t ServerSession::bytes_held() const {
  std::size_t held = output_.capacity();
  auto stream_bytes = [](const Stream& stream) {
    return sizeof(Stream) + stream.arena.bytes_held() + stream.body.capacity() +
           stream.sending.queue.capacity() +
           (stream.head.headers.capacity() + stream.trailers.capacity()) * sizeof(http::Header);
  };
  for (const auto& [id, stream] : streams_) held += stream_bytes(*stream);
  for (const auto& stream : free_streams_) held += stream_bytes(*stream);
  return held;
}

}  // namespace apigw::h2
