#include "server/h2_stream.h"

#include <cstring>

#include "http/parser.h"
#include "server/h2_connection.h"
#include "server/worker.h"

namespace apigw::server {
namespace {

// The heads the gateway writes: an upstream's (up to the exchange's 64 KiB and 256 fields) plus
// the fields the gateway adds.
constexpr http::HeadLimits kWrittenHeadLimits{128 * 1024, 512, 64 * 1024};
constexpr std::uint32_t kInternalError = 0x2;
constexpr std::uint32_t kCancel = 0x8;

std::string_view view_of(net::const_buffer buffer) {
  return {static_cast<const char*>(buffer.data()), buffer.size()};
}

}  // namespace

H2Stream::H2Stream(H2Connection& connection, std::int32_t id)
    : RequestStream(connection.worker(), nullptr),
      connection_(connection),
      id_(id),
      signal_(connection.worker().context()) {
  client_ = connection.client();
  tls_ = connection.tls();
  listener_bytes_ = connection.listener_bytes();
  worker_.sweeper().add(*this);
}

H2Stream::~H2Stream() {
  worker_.buffers().release_if_empty(input_);
  worker_.scratch().give_back(std::move(scratch_));
}

h2::ServerSession& H2Stream::session() { return connection_.session(); }

void H2Stream::serve(std::shared_ptr<H2Connection> connection, H2Stream& stream) {
  stream.take_request();
  // The request coroutine is the stream's own, with no wrapper frame around it (a frame and a
  // resumption per request less). The completion handler holds the connection until the stream
  // finishes; a request that threw still ends its stream (reset) and gives its memory back.
  net::co_spawn(stream.worker_.context(), stream.handle_request(),
                [connection = std::move(connection), &stream](const std::exception_ptr&, bool) {
                  stream.finish();  // `stream` may be gone after this
                });
}

awaitable<void> H2Stream::refuse([[maybe_unused]] std::shared_ptr<H2Connection> connection,
                                 H2Stream& stream) {
  const http::ParseError refusal = *stream.refusal_;
  stream.scratch_ = stream.worker_.scratch().take();
  stream.head_record_ = nullptr;
  stream.begin_local_request({}, {});
  co_await stream.answer(pipeline::LocalReply::error(refusal.status, std::string(refusal.code),
                                                     std::string(refusal.message)),
                         false);
  stream.finish();
}

void H2Stream::take_request() {
  scratch_ = worker_.scratch().take();
  head_record_ = &scratch_->written_head;
  head_record_->clear();
  const http::RequestHead* head = session().request_head(id_);
  if (head != nullptr) scratch_->head = *head;  // views into the session's copy, until release
  worker_.buffers().acquire(input_);
  const std::string_view body = session().request_body(id_);
  const std::size_t taken = std::min(body.size(), input_.writable());
  std::memcpy(input_.write_position(), body.data(), taken);
  input_.commit(taken);
  session().consume(id_, taken);
  // A body that ended with what came so far has a length: the upstream gets a Content-Length
  // (and a retry can send it again) rather than chunks.
  http::RequestHead& request = scratch_->head;
  if (request.framing == http::BodyFraming::stream_end && request_ended_ && taken == body.size()) {
    request.framing = http::BodyFraming::content_length;
    request.content_length = taken;
  }
  connection_.schedule_flush();  // the window the copy opened
}

void H2Stream::finish() {
  clear_deadline();
  if (!broken_ && !data_ended_) {
    if (response_ended_ && head_submitted_) {
      submit_pending();  // a body delimited by its end (until_close) ends here
    }
    if (!data_ended_) {
      // Cut short (an upstream that broke off, a client that left): the client must not take a
      // truncated body for a whole one.
      session().reset_stream(id_, head_submitted_ ? kInternalError : kCancel);
    }
  }
  pending_.clear();
  if (scratch_) {
    response_.headers.clear();
    response_.headers.swap(scratch_->written_headers);  // its capacity serves the next stream
  }
  end_request();  // an old snapshot is not kept by a stream waiting for its last frames
  worker_.buffers().release_if_empty(input_);
  worker_.scratch().give_back(std::move(scratch_));
  served_ = true;
  connection_.stream_served(id_);  // may free this stream
}

void H2Stream::on_news(bool request_end) {
  request_ended_ = request_ended_ || request_end;
  signal_.cancel();
}

void H2Stream::on_closed(std::uint32_t error_code) {
  closed_ = true;
  if (error_code != 0 || !data_ended_) {
    on_connection_lost();
    return;
  }
  signal_.cancel();
}

void H2Stream::on_connection_lost() {
  if (served_) return;
  broken_ = true;
  aborted_ = true;  // no retry of a request nobody waits for
  client_left();
  error_code ignored;
  if (upstream_ != nullptr) upstream_->transport.close(ignored);
  signal_.cancel();
}

void H2Stream::on_deadline() {
  timed_out_ = true;
  timed_out_in_ = phase_;
  if (on_common_deadline()) return;
  switch (phase_) {
    case Phase::client_body:
      signal_.cancel();  // the read answers timed_out; the exchange answers 408
      break;
    case Phase::client_write:
    case Phase::upstream_body:
      session().reset_stream(id_, kCancel);
      connection_.schedule_flush();
      on_connection_lost();
      break;
    default:
      break;
  }
}

error_code H2Stream::broken_error() const {
  return timed_out_ ? error_code(net::error::timed_out) : error_code(net::error::connection_reset);
}

awaitable<void> H2Stream::wait_for_news() {
  signal_.expires_at(Clock::time_point::max());
  co_await signal_.async_wait(use_nothrow);
}

void H2Stream::cancel_body_read() {
  read_cancelled_ = true;
  signal_.cancel();
}

awaitable<RequestStream::IoResult> H2Stream::stream_read_body(net::mutable_buffer into) {
  for (;;) {
    if (broken_) co_return IoResult{broken_error(), 0};
    if (read_cancelled_) {
      read_cancelled_ = false;
      co_return IoResult{net::error::operation_aborted, 0};
    }
    if (timed_out_ && timed_out_in_ == Phase::client_body) {
      co_return IoResult{net::error::timed_out, 0};
    }
    const std::string_view body = session().request_body(id_);
    if (!body.empty()) {
      const std::size_t n = std::min(body.size(), into.size());
      std::memcpy(into.data(), body.data(), n);
      session().consume(id_, n);
      connection_.schedule_flush();
      co_return IoResult{error_code{}, n};
    }
    if (request_ended_) co_return IoResult{net::error::eof, 0};
    co_await wait_for_news();
  }
}

awaitable<error_code> H2Stream::stream_send_continue() {
  if (broken_) co_return broken_error();
  if (!session().submit_informational(id_, 100)) co_return net::error::connection_reset;
  connection_.schedule_flush();
  co_return error_code{};
}

awaitable<void> H2Stream::lingering_close() {
  // Nothing to do: once the answer's END_STREAM is out, the session itself tells a client still
  // sending the body to stop (RST_STREAM(NO_ERROR), RFC 9113 §8.1); the connection stays.
  co_return;
}

bool H2Stream::submit_recorded_head(std::string_view bytes) {
  // The head writer noted its fields (proxy::WrittenHead): views into the bytes it wrote, no
  // second parse.
  proxy::WrittenHead& record = *head_record_;
  std::vector<http::Header>& fields = response_.headers;
  if (fields.capacity() == 0) fields.swap(scratch_->written_headers);
  fields.clear();
  for (const auto& at : record.fields) {
    fields.emplace_back(bytes.substr(at.name_at, at.name_size),
                        bytes.substr(at.value_at, at.value_size), http::Field::other);
  }
  response_.status = record.status;
  response_.framing = record.framing;
  response_.content_length = record.content_length;
  if (scratch_->head.method == http::Method::head) response_.framing = http::BodyFraming::none;
  record.end = 0;
  return true;
}

bool H2Stream::take_response_bytes(std::string_view bytes) {
  if (!head_submitted_ && head_bytes_.empty() && head_record_ != nullptr && head_record_->end > 0 &&
      head_record_->end <= bytes.size() && bytes.data() == scratch_->output.data()) {
    const std::size_t end = head_record_->end;
    submit_recorded_head(bytes);
    if (!submit_head()) return false;
    bytes.remove_prefix(end);
  }
  if (!head_submitted_) {
    std::string_view head = bytes;
    if (!head_bytes_.empty()) head = head_bytes_.append(bytes);
    if (response_.headers.capacity() == 0) response_.headers.swap(scratch_->written_headers);
    const http::ParseResult parsed =
        http::parse_response_head(head, kWrittenHeadLimits, scratch_->head.method, response_);
    if (parsed.status == http::ParseStatus::error) return false;
    if (parsed.status != http::ParseStatus::complete) {
      if (head_bytes_.empty()) head_bytes_.assign(bytes);
      return true;
    }
    if (!submit_head()) return false;
    bytes = head.substr(response_.head_bytes);
    if (!head_bytes_.empty()) {
      // The body bytes behind a head that came in pieces: keep them past the clear.
      std::string rest(bytes);
      head_bytes_.clear();
      return take_response_bytes(rest);
    }
  }
  if (!body_wanted_ || bytes.empty()) return true;
  const http::BodyFramer::Step step = framer_.next(bytes, &pending_);
  return !step.error;
}

bool H2Stream::submit_head() {
  // An empty body ends the stream with HEADERS (a gRPC "Trailers-Only" answer needs that).
  body_wanted_ =
      response_.framing != http::BodyFraming::none &&
      !(response_.framing == http::BodyFraming::content_length && response_.content_length == 0);
  // The fields come from the head writer's record or from a parse: their values were checked.
  if (!session().submit_response(id_, response_.status, response_.headers, body_wanted_,
                                 h2::ServerSession::ValueCheck::trusted)) {
    return false;
  }
  head_submitted_ = true;
  data_ended_ = !body_wanted_;
  framer_ = http::BodyFramer(response_.framing, response_.content_length);
  return true;
}

void H2Stream::submit_pending() {
  if (data_ended_ || !head_submitted_ || broken_) return;
  const bool end = framer_.done() || response_ended_;
  if (pending_.empty() && !end) return;
  const bool with_trailers = end && !response_trailers_.empty();
  const std::size_t taken = session().submit_data(id_, pending_, end && !with_trailers);
  pending_.erase(0, taken);
  if (!end || !pending_.empty()) return;
  if (with_trailers && !session().submit_trailers(id_, response_trailers_)) {
    session().reset_stream(id_, kInternalError);
    broken_ = true;
    return;
  }
  data_ended_ = true;
}

ImmediateWrite H2Stream::stream_write_now(net::const_buffer first, net::const_buffer second) {
  if (broken_) return ImmediateWrite{broken_error(), 0, true};
  if (!take_response_bytes(view_of(first)) || !take_response_bytes(view_of(second))) {
    session().reset_stream(id_, kInternalError);
    connection_.schedule_flush();
    broken_ = true;
    return ImmediateWrite{net::error::connection_reset, 0, true};
  }
  submit_pending();
  connection_.schedule_flush();
  const std::size_t total = first.size() + second.size();
  return ImmediateWrite{error_code{}, total, pending_.empty()};
}

awaitable<RequestStream::IoResult> H2Stream::stream_write_rest(net::const_buffer first,
                                                               net::const_buffer second,
                                                               std::size_t written) {
  const std::size_t total = first.size() + second.size();
  if (written < total) {
    // What write_now has not taken yet (write_all starts here with nothing taken).
    const std::size_t skip_first = std::min(written, first.size());
    const std::size_t skip_second = written - skip_first;
    const ImmediateWrite now =
        stream_write_now(net::buffer(first.data(), first.size()) + skip_first,
                         net::buffer(second.data(), second.size()) + skip_second);
    if (now.ec) co_return IoResult{now.ec, written};
  }
  while (!pending_.empty()) {
    if (broken_) co_return IoResult{broken_error(), written};
    // The queue may have room already: the flush after the last submit wrote it out.
    if (session().send_space(id_) == 0) co_await wait_for_news();
    submit_pending();
    connection_.schedule_flush();
  }
  co_return IoResult{error_code{}, total};
}

}  // namespace apigw::server
