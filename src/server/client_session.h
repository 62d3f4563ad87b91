// One client connection: reads HTTP/1.1 requests one after another (keep-alive, pipelining),
// routes each, runs its filter chain and proxies it. Lives in the frame of its serve() coroutine.
#pragma once

#include <memory>
#include <string>

#include "http/message.h"
#include "http/parser.h"
#include "http/path_template.h"
#include "pipeline/request_context.h"
#include "server/asio.h"
#include "server/byte_buffer.h"
#include "server/deadline_sweeper.h"
#include "server/request_scratch.h"
#include "server/upstream_pool.h"
#include "util/request_id.h"

namespace apigw::server {

class Worker;

// What the connection is waiting for; decides what a passed deadline cuts and how it is answered.
enum class Phase : std::uint8_t {
  client_idle,        // between requests: close quietly
  client_linger,      // just answered, buffer still held, next request expected soon: go idle
  client_head,        // reading a request head: 408
  client_body,        // reading the request body: 408
  client_write,       // writing to the client: close
  upstream_connect,   // connecting: 504
  upstream_exchange,  // sending the request / awaiting the response head: 504
  upstream_body,      // relaying the response body: close (the head is already out)
};

// A connection is owned by whatever is waiting on it: while idle, by the handler of its pending
// readability wait (no coroutine frame, no buffer, no scratch: an idle keep-alive connection costs
// this object and its socket); while a request is in progress, by its serve() coroutine. If the
// worker shuts down with the wait or the coroutine pending, destroying them frees the session.
class ClientSession final : public Expirable {
 public:
  using Owner = std::unique_ptr<ClientSession>;

  // Takes over an accepted connection.
  static void start(Worker& worker, tcp_socket socket);

  ClientSession(Worker& worker, tcp_socket socket);
  ~ClientSession() override;

  void on_deadline() override;
  // The worker is draining: close now if idle; otherwise close after the current response.
  void on_drain();
  // The worker is shutting down: close the client and upstream sockets so that whatever waits
  // on them finishes at once.
  void abort();

 private:
  friend class ProxyExchange;

  // Between requests: gives the buffer and scratch back and waits, without a coroutine, for the
  // next request's first bytes; then spawns serve().
  static void wait_while_idle(Owner self);
  // Serves requests while bytes keep coming; hands the session back to wait_while_idle() when
  // the connection goes quiet, or ends it.
  static awaitable<void> serve(Owner self);
  // Reads until a complete head is parsed. False: the connection is done.
  awaitable<bool> read_request_head();
  // After a response with nothing more buffered: waits up to kLinger for the next request with a
  // plain read (see the .cpp for why).
  enum class Linger : std::uint8_t { request, quiet, closed };
  static constexpr std::chrono::milliseconds kLinger{100};
  static constexpr std::size_t kMaxLingering = 256;  // per worker
  awaitable<Linger> linger();
  // Routes and answers one request. Returns whether the connection stays open.
  awaitable<bool> handle_request();
  // Sends an answer made by the gateway. Returns whether the connection stays open.
  awaitable<bool> send_local_reply(int status, std::string_view code, std::string_view message,
                                   bool keep_alive,
                                   const std::vector<pipeline::HeaderSet>& headers = {});
  awaitable<void> lingering_close();
  // Resets the per-request fields for an answer to a request whose head did not parse.
  void begin_unparsed_request();
  // Sets the phase and its deadline.
  void expect(Phase phase, std::chrono::milliseconds timeout);
  // Queues the access-log line of the request that just ended (if the access log is on).
  void log_request();

  Worker& worker_;
  tcp_socket socket_;
  std::string client_ip_;
  ByteBuffer input_;
  // Held while a request is in progress, returned to the worker's pool while idle.
  std::unique_ptr<RequestScratch> scratch_;
  util::RequestIdText request_id_storage_{};
  std::string_view request_id_;

  Phase phase_ = Phase::client_idle;
  Phase timed_out_in_ = Phase::client_idle;
  bool timed_out_ = false;
  bool aborted_ = false;                    // abort() was called: no retry, no next request
  UpstreamConnection* upstream_ = nullptr;  // the connection of the exchange in progress

  // Per request, for logs and metrics.
  Clock::time_point request_start_{};
  int status_sent_ = 0;
  std::uint64_t bytes_in_ = 0;
  std::uint64_t bytes_out_ = 0;
  std::string_view route_name_;
  std::string_view upstream_address_;
  std::uint64_t upstream_micros_ = 0;
};

}  // namespace apigw::server
