// Fuzzes h2::ServerSession: the client connection preface, then arbitrary bytes, fed in pieces
// whose sizes the first two input bytes choose, with a clock that advances a millisecond per
// piece. A sink answers every stream the session reports (a small response with a body and
// trailers, or the refusal's status) and consumes every body, as the gateway would.
//
// Checks: every reported head has no CR, LF or NUL in any view, a token method and a path that
// starts with '/' or is '*'; a reported stream's unread body never passes the stream window;
// events name streams that were reported; the memory the session holds stays under the bound
// its limits give (docs/http2.md).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "h2/server_session.h"

namespace {

using apigw::h2::Event;
using apigw::h2::EventKind;
using apigw::h2::ServerSession;
using apigw::h2::SessionLimits;

bool clean(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

SessionLimits fuzz_limits() {
  SessionLimits limits;
  limits.max_concurrent_streams = 8;
  limits.head.max_header_bytes = 2048;
  limits.head.max_header_count = 16;
  limits.head.max_uri_bytes = 256;
  limits.max_send_queue = 1024;
  limits.max_output = 4096;
  limits.connection_window = 200'000;
  return limits;
}

// What the session may hold with these limits: every stream it may track at once (nghttp2's
// open streams, plus the few kept for reuse) with its head and trailers (each at most the header
// list limit, cookies joined once more, doubled for the arena's growth), its body (under twice a
// window, doubled for string growth), its send queue, and the output buffer (max_output plus a
// frame, doubled).
std::size_t memory_bound(const SessionLimits& limits) {
  const std::size_t per_stream = 4096 + 8 * limits.head.max_header_bytes + 4 * 65'535 +
                                 2 * limits.max_send_queue +
                                 4 * limits.head.max_header_count * sizeof(apigw::http::Header);
  const std::size_t streams = limits.max_concurrent_streams + 8 + 1;
  return streams * per_stream + 2 * (limits.max_output + 16'384 + 9);
}

void check_head(const apigw::http::RequestHead& head) {
  FUZZ_CHECK(apigw::http::is_token(head.method_text));
  FUZZ_CHECK(head.path == "*" || (!head.path.empty() && head.path[0] == '/'));
  FUZZ_CHECK(clean(head.method_text) && clean(head.target) && clean(head.path) &&
             clean(head.query) && clean(head.host));
  for (const apigw::http::Header& header : head.headers) {
    FUZZ_CHECK(clean(header.name) && clean(header.value));
  }
}

class Sink {
 public:
  explicit Sink(ServerSession& session) : session_(session) {}

  void handle(std::span<const Event> events) {
    for (const Event& event : events) {
      if (event.kind == EventKind::request || event.kind == EventKind::refused) {
        FUZZ_CHECK(live_.insert(event.stream).second);
      } else {
        FUZZ_CHECK(live_.count(event.stream) == 1);
      }
      switch (event.kind) {
        case EventKind::request: {
          const apigw::http::RequestHead* head = session_.request_head(event.stream);
          FUZZ_CHECK(head != nullptr);
          check_head(*head);
          session_.submit_response(event.stream, 200, headers_, true);
          session_.submit_data(event.stream, "ok", false);
          session_.submit_trailers(event.stream, trailers_);
          break;
        }
        case EventKind::refused:
          FUZZ_CHECK(event.refusal.status >= 400 && event.refusal.status < 600);
          session_.submit_response(event.stream, event.refusal.status, {}, false);
          break;
        case EventKind::body: {
          const std::size_t unread = session_.request_body(event.stream).size();
          FUZZ_CHECK(unread <= 65'535);
          session_.consume(event.stream, unread);
          break;
        }
        case EventKind::closed:
          session_.release(event.stream);
          live_.erase(event.stream);
          break;
        default:
          break;
      }
    }
  }

 private:
  ServerSession& session_;
  std::set<std::int32_t> live_;
  const std::vector<apigw::http::Header> headers_ = {{"content-type", "text/plain"}};
  const std::vector<apigw::http::Header> trailers_ = {{"x-done", "1"}};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t piece = 1 + ((std::size_t{data[0]} << 8 | data[1]) % 4096);
  const SessionLimits limits = fuzz_limits();
  ServerSession session(limits);
  Sink sink(session);
  auto now = apigw::h2::Clock::time_point{} + std::chrono::hours(1);

  static const std::string preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  std::string input = preface;
  input.append(reinterpret_cast<const char*>(data + 2), size - 2);
  for (std::size_t at = 0; at < input.size() && !session.closing(); at += piece) {
    const std::string_view chunk = std::string_view(input).substr(at, piece);
    sink.handle(
        session.feed({reinterpret_cast<const std::uint8_t*>(chunk.data()), chunk.size()}, now));
    const std::string_view out = session.pending_output();
    session.output_written(out.size());
    sink.handle(session.take_events());
    FUZZ_CHECK(session.bytes_held() <= memory_bound(limits));
    now += std::chrono::milliseconds(1);
  }
  // Whatever is left to say comes out, and the session still answers what it reported.
  for (int i = 0; i < 8; ++i) {
    const std::string_view out = session.pending_output();
    session.output_written(out.size());
    sink.handle(session.take_events());
    FUZZ_CHECK(session.bytes_held() <= memory_bound(limits));
  }
  return 0;
}
