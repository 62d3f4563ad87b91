// One HTTP/2 connection to an upstream target (`protocol = "h2"`): the Asio side of the I/O-free
// h2::ClientSession. Requests of any number of exchanges on the worker are streams on it, up to
// the target's SETTINGS_MAX_CONCURRENT_STREAMS; the target's pool (upstream_pool.h) keeps the
// connections and opens another when every one is full. A reader feeds the session and wakes the
// stream's exchange (H2UpstreamCall); one writer at a time sends what the session queued. A
// connection without streams for the upstream's keepalive idle timeout is closed; one the target
// sent GOAWAY on takes no new streams and closes when its last stream is done.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "h2/client_session.h"
#include "h2/upstream_request.h"
#include "server/asio.h"
#include "server/deadline_sweeper.h"
#include "server/upstream_pool.h"

namespace apigw::server {

// One request stream, as its exchange waits on it. The connection sets the flags and wakes the
// signal; the exchange (and its request-body pump) re-check them after every wake.
struct H2UpstreamCall {
  explicit H2UpstreamCall(net::io_context& context) : signal(context) {}
  net::steady_timer signal;
  std::int32_t stream = 0;
  bool head = false;        // the final response head came
  bool body = false;        // response body bytes wait (cleared by the exchange)
  bool ended = false;       // the response is complete (trailers, if any, in the session)
  bool send_ready = false;  // the request body queue has room again (cleared by the pump)
  bool closed = false;      // the stream is over: `end`, `error_code`
  h2::StreamEnd end = h2::StreamEnd::complete;
  std::uint32_t error_code = 0;
  // The exchange's deadline passed (or its client left): the stream is reset.
  bool cut = false;

  void wake() { signal.cancel(); }
  // Waits for the next wake.
  awaitable<void> wait() {
    signal.expires_at(Clock::time_point::max());
    co_await signal.async_wait(use_nothrow);
  }
};

class H2UpstreamConnection final : public Expirable,
                                   public std::enable_shared_from_this<H2UpstreamConnection> {
 public:
  // `carrier`: the connected (and TLS-negotiated) transport, counted in the upstream's open
  // connections like an HTTP/1 connection.
  H2UpstreamConnection(std::unique_ptr<UpstreamConnection> carrier, const h2::ClientLimits& limits,
                       Clock::duration idle_timeout, DeadlineSweeper& sweeper);
  ~H2UpstreamConnection() override;

  // Starts the reader (after the connection is shared: it holds a reference).
  void start();
  h2::ClientSession& session() { return session_; }
  // New streams may be opened here now.
  bool accepts_streams() const { return !closed_ && session_.can_submit(); }
  bool closed() const { return closed_; }
  // A new stream for `call`. The call stays registered until forget().
  h2::SubmitResult open(const h2::UpstreamRequest& request, H2UpstreamCall& call);
  // The exchange is done with its stream (resets it if still open).
  void forget(H2UpstreamCall& call);
  // Resets the call's stream and wakes it: its deadline passed or its client left.
  void cut(H2UpstreamCall& call);
  // Writes what the session has queued.
  void flush();
  void close();
  void on_deadline() override;  // idle for the keepalive timeout

 private:
  static awaitable<void> read_loop(std::shared_ptr<H2UpstreamConnection> self);
  static awaitable<void> write_loop(std::shared_ptr<H2UpstreamConnection> self);
  void dispatch(std::span<const h2::ClientEvent> events);
  void arm_idle();

  std::unique_ptr<UpstreamConnection> carrier_;
  h2::ClientSession session_;
  Clock::duration idle_timeout_;
  std::unordered_map<std::int32_t, H2UpstreamCall*> calls_;
  std::vector<h2::ClientEvent> batch_;  // dispatch()'s copy of the session's events
  std::unique_ptr<char[]> input_;
  std::string_view in_flight_;
  std::size_t in_flight_written_ = 0;
  bool writing_ = false;
  bool closed_ = false;
};

// The session limits of an upstream connection: [server.limits] head sizes as for HTTP/1
// responses (64 KiB, 256 fields), windows as for clients.
h2::ClientLimits upstream_limits(const config::ServerConfig& server);

}  // namespace apigw::server
