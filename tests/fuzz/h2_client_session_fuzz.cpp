// Fuzzes h2::ClientSession: three requests submitted (a GET, a POST whose body and trailers go
// out as the queue allows, a HEAD), then arbitrary server bytes fed in pieces whose sizes the
// first two input bytes choose. The third byte picks the caller's habits: bit 0 consumes response
// bodies as they come (else they wait until the stream closes), bit 1 submits a new request
// whenever a stream closes and can_submit() allows (at most 16 in all), bit 2 cancels every
// stream once its head arrived, bit 3 gives the server a graceful goaway() halfway.
//
// Checks: events name submitted streams, nothing follows a stream's closed event, and every
// stream gets exactly one (connection_lost() closes the rest at the end); a reported head has a
// status of 200 to 599 (1xx for informational events), lower-case token names and no CR, LF or
// NUL in any view; a HEAD answer has no body; unread body never passes the stream window; the
// memory the session holds stays under the bound its limits give (docs/http2.md).
#include <algorithm>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "h2/client_session.h"

namespace {

using apigw::h2::ClientEvent;
using apigw::h2::ClientEventKind;
using apigw::h2::ClientLimits;
using apigw::h2::ClientSession;
using apigw::h2::RequestPseudo;

constexpr int kMaxRequests = 16;

bool clean(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool lower_token(std::string_view name) {
  return apigw::http::is_token(name) &&
         std::none_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

void check_fields(std::span<const apigw::http::Header> fields) {
  for (const apigw::http::Header& field : fields) {
    FUZZ_CHECK(lower_token(field.name));
    FUZZ_CHECK(clean(field.value));
  }
}

ClientLimits fuzz_limits() {
  ClientLimits limits;
  limits.head.max_header_bytes = 2048;
  limits.head.max_header_count = 16;
  limits.connection_window = 200'000;
  limits.max_send_queue = 1024;
  limits.max_output = 4096;
  limits.assumed_concurrent_streams = 8;
  return limits;
}

// What the session may hold with these limits, per stream it tracks (every stream submitted and
// not released, plus the few kept for reuse): the head and trailers (each at most the header
// list limit, doubled for the arena's growth, twice over for 1xx heads), the body (under twice a
// window, doubled for string growth), the send queue and request trailers, the header vectors;
// and the output buffer (max_output plus a frame, doubled).
std::size_t memory_bound(const ClientLimits& limits) {
  const std::size_t per_stream = 4096 + 8 * limits.head.max_header_bytes + 4 * 65'535 +
                                 2 * limits.max_send_queue + 1024 +
                                 4 * limits.head.max_header_count * sizeof(apigw::http::Header);
  const std::size_t streams = kMaxRequests + 8;
  return streams * per_stream + 2 * (limits.max_output + 16'384 + 9);
}

struct StreamState {
  bool head_request = false;
  bool post = false;
  bool head_seen = false;
  bool closed = false;
  std::size_t body_sent = 0;
  bool trailers_sent = false;
};

class Caller {
 public:
  Caller(ClientSession& session, std::uint8_t habits) : session_(session), habits_(habits) {}

  void submit(int kind) {
    if (submitted_ >= kMaxRequests || !session_.can_submit()) return;
    static const std::vector<apigw::http::Header> get_headers = {{"accept", "*/*"},
                                                                 {"te", "trailers"}};
    static const std::vector<apigw::http::Header> post_headers = {
        {"content-type", "application/grpc"}, {"te", "trailers"}};
    const char* method = kind == 1 ? "POST" : kind == 2 ? "HEAD" : "GET";
    const RequestPseudo pseudo{method, "http", "fuzz.test", "/svc/Method"};
    const apigw::h2::SubmitResult result =
        session_.submit_request(pseudo, kind == 1 ? post_headers : get_headers, kind == 1);
    FUZZ_CHECK(result.ok());
    ++submitted_;
    StreamState& state = streams_[result.stream];
    state.head_request = kind == 2;
    state.post = kind == 1;
    if (state.post) send_body(result.stream, state);
  }

  void handle(std::span<const ClientEvent> events) {
    for (const ClientEvent& event : events) {
      const auto it = streams_.find(event.stream);
      FUZZ_CHECK(it != streams_.end());
      StreamState& state = it->second;
      FUZZ_CHECK(!state.closed);
      switch (event.kind) {
        case ClientEventKind::informational:
          FUZZ_CHECK(event.status >= 100 && event.status < 200 && event.status != 101);
          FUZZ_CHECK(!state.head_seen);
          break;
        case ClientEventKind::response_head: {
          FUZZ_CHECK(!state.head_seen);
          state.head_seen = true;
          const apigw::http::ResponseHead* head = session_.response_head(event.stream);
          FUZZ_CHECK(head != nullptr);
          FUZZ_CHECK(head->status >= 200 && head->status <= 599);
          check_fields(head->headers);
          if (state.head_request) FUZZ_CHECK(head->framing == apigw::http::BodyFraming::none);
          if ((habits_ & 4) != 0) session_.reset_stream(event.stream);
          break;
        }
        case ClientEventKind::body: {
          FUZZ_CHECK(state.head_seen && !state.head_request);
          const std::size_t unread = session_.response_body(event.stream).size();
          FUZZ_CHECK(unread <= 65'535);
          if ((habits_ & 1) != 0) session_.consume(event.stream, unread);
          break;
        }
        case ClientEventKind::response_end:
          FUZZ_CHECK(state.head_seen);
          check_fields(session_.response_trailers(event.stream));
          break;
        case ClientEventKind::send_ready:
          FUZZ_CHECK(state.post);
          send_body(event.stream, state);
          break;
        case ClientEventKind::closed:
          state.closed = true;
          ++closed_;
          session_.release(event.stream);
          if ((habits_ & 2) != 0) submit(closed_ % 3);
          break;
      }
    }
  }

  void finish() {
    handle(session_.connection_lost());
    FUZZ_CHECK(closed_ == submitted_);
    FUZZ_CHECK(session_.open_streams() == 0);
  }

 private:
  void send_body(std::int32_t stream, StreamState& state) {
    static const std::string body(3000, 'b');
    static const std::vector<apigw::http::Header> trailers = {{"x-checksum", "1"}};
    state.body_sent +=
        session_.submit_data(stream, std::string_view(body).substr(state.body_sent), false);
    if (state.body_sent == body.size() && !state.trailers_sent) {
      state.trailers_sent = session_.submit_trailers(stream, trailers);
    }
  }

  ClientSession& session_;
  std::uint8_t habits_;
  std::map<std::int32_t, StreamState> streams_;
  int submitted_ = 0;
  int closed_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const std::size_t piece = 1 + ((std::size_t{data[0]} << 8 | data[1]) % 4096);
  const std::uint8_t habits = data[2];
  const ClientLimits limits = fuzz_limits();
  ClientSession session(limits);
  Caller caller(session, habits);
  for (int kind = 0; kind < 3; ++kind) caller.submit(kind);

  const std::string_view input(reinterpret_cast<const char*>(data + 3), size - 3);
  auto write = [&] {
    const std::string_view out = session.pending_output();
    session.output_written(out.size());
    caller.handle(session.take_events());
    FUZZ_CHECK(session.bytes_held() <= memory_bound(limits));
  };
  write();
  for (std::size_t at = 0; at < input.size() && !session.finished(); at += piece) {
    const std::string_view chunk = input.substr(at, piece);
    caller.handle(
        session.feed({reinterpret_cast<const std::uint8_t*>(chunk.data()), chunk.size()}));
    FUZZ_CHECK(session.bytes_held() <= memory_bound(limits));
    write();
    if ((habits & 8) != 0 && at * 2 >= input.size()) session.goaway(/*graceful=*/true);
  }
  for (int i = 0; i < 4; ++i) write();
  caller.finish();
  return 0;
}
