// One client connection speaking HTTP/2 (after ALPN h2, or h2c with prior knowledge): the Asio
// side of h2::ServerSession. A reader feeds the session what the socket gives and hands each
// event to its stream; every request stream is an H2Stream served through the request path; one
// writer at a time sends what the session queued. Connection-level deadlines: the preface and a
// started header block (header_read), idleness with no stream open (idle), and a client that
// stops reading (body_read). Drain: GOAWAY naming no stream first (clients stop opening
// streams), then a graceful GOAWAY a second later; the connection closes when its streams are
// done.
//
// Lifetime: shared by the reader, the writer and every stream's coroutine; the last to finish
// frees it (and the socket).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "h2/server_session.h"
#include "server/request_stream.h"

namespace apigw::observe {
struct ListenerBytes;
}  // namespace apigw::observe

namespace apigw::server {

class H2Stream;

class H2Connection final : public Connection,
                           public Expirable,
                           public std::enable_shared_from_this<H2Connection> {
 public:
  // Takes over an accepted connection: its transport (TLS done, or plain), the client's address,
  // the TLS state, and bytes already read (the preface, for h2c).
  // `bytes`: the listener's HTTP byte counts (its streams add to them).
  static void start(Worker& worker, Transport transport, ClientAddress client,
                    std::unique_ptr<ConnectionTlsState> tls, std::string_view already_read,
                    observe::ListenerBytes* bytes);

  H2Connection(Worker& worker, Transport transport, ClientAddress client,
               std::unique_ptr<ConnectionTlsState> tls);
  ~H2Connection() override;

  void on_drain() override;
  void abort() override;
  // [server.http2] changed: GOAWAY as for a drain, so that the client reconnects and gets the
  // new SETTINGS (its streams in flight finish here).
  void on_reload(WorkerSnapshot& serving) override;
  void on_deadline() override;

  // --- For the streams ---
  Worker& worker() { return worker_; }
  h2::ServerSession& session() { return session_; }
  const ClientAddress& client() const { return client_; }
  const ConnectionTlsState* tls() const { return tls_.get(); }
  observe::ListenerBytes* listener_bytes() const { return listener_bytes_; }
  // Writes what the session has queued (now, or through the writer).
  void flush();
  // flush() after the worker's current pass: the frames of every stream that answers in this
  // pass go out in one serialization and one write (fewer syscalls, TLS records, mem_send calls).
  void schedule_flush();
  // A stream's coroutine returned: frees it once the session is done with it too.
  void stream_served(std::int32_t id);

 private:
  static awaitable<void> read_loop(std::shared_ptr<H2Connection> self);
  static awaitable<void> write_loop(std::shared_ptr<H2Connection> self);
  // After a GOAWAY for refused input: FIN, then read and discard briefly (no RST over it).
  static awaitable<void> linger(std::shared_ptr<H2Connection> self);
  // Hands the session's events to their streams (and starts new ones).
  void dispatch(std::span<const h2::Event> events);
  // Events the session raised while writing (streams whose END_STREAM went out, send queues
  // with room again): dispatched now, or by the dispatch in progress once it is done.
  void dispatch_pending();
  void start_stream(const h2::Event& event);
  void release(std::int32_t id);
  // Sets the connection's deadline for what it now waits on.
  void arm_deadline();
  // The connection is over: every stream still running loses its client.
  void lose_streams();
  void close_socket();
  void log_goaway() const;

  Worker& worker_;
  Transport transport_;
  ClientAddress client_;
  std::unique_ptr<ConnectionTlsState> tls_;
  observe::ListenerBytes* listener_bytes_ = nullptr;
  h2::ServerSession session_;
  ByteBuffer input_;
  config::Http2Config settings_;  // what this connection's SETTINGS and budgets came from
  std::unordered_map<std::int32_t, std::unique_ptr<H2Stream>> streams_;
  net::steady_timer written_;  // signals the end of the writer's write
  net::steady_timer drain_timer_;
  std::string_view in_flight_;  // the session's output the writer is writing
  std::size_t in_flight_written_ = 0;
  std::vector<H2Stream*> starting_;  // streams of the dispatch in progress, started after it
  std::vector<h2::Event> batch_;     // the outermost dispatch's copy of its events
  std::uint32_t requests_ = 0;
  int dispatching_ = 0;
  bool more_events_ = false;
  bool writing_ = false;
  bool flush_scheduled_ = false;
  bool reading_done_ = false;
  bool closed_ = false;
  bool draining_ = false;
  bool lingering_ = false;  // the read loop closes the connection after linger()
  // What the connection's deadline is for: nothing (the streams' own deadlines run), no stream
  // (idle), a request head or the preface (header_block), a write or an answer the client does
  // not take (client_read), the lingering read before the close (linger).
  enum class Waiting : std::uint8_t { nothing, idle, header_block, client_read, linger } waiting_{};
};

}  // namespace apigw::server
