// One client connection: reads HTTP/1.1 requests one after another (keep-alive, pipelining),
// routes each, runs its filter chain and proxies it. Lives in the frame of its serve() coroutine.
#pragma once

#include <string>

#include "http/message.h"
#include "http/parser.h"
#include "http/path_template.h"
#include "pipeline/request_context.h"
#include "server/asio.h"
#include "server/byte_buffer.h"
#include "server/deadline_sweeper.h"
#include "server/upstream_pool.h"
#include "util/request_id.h"

namespace apigw::server {

class Worker;

// What the connection is waiting for; decides what a passed deadline cuts and how it is answered.
enum class Phase : std::uint8_t {
  client_idle,        // between requests: close quietly
  client_head,        // reading a request head: 408
  client_body,        // reading the request body: 408
  client_write,       // writing to the client: close
  upstream_connect,   // connecting: 504
  upstream_exchange,  // sending the request / awaiting the response head: 504
  upstream_body,      // relaying the response body: close (the head is already out)
};

class ClientSession final : public Expirable {
 public:
  static awaitable<void> serve(Worker& worker, tcp::socket socket);

  ClientSession(Worker& worker, tcp::socket socket);
  ~ClientSession() override;

  void on_deadline() override;
  // The worker is draining: close now if idle; otherwise close after the current response.
  void on_drain();

 private:
  friend class ProxyExchange;

  awaitable<void> run();
  // Reads until a complete head is parsed. False: the connection is done.
  awaitable<bool> read_request_head();
  // Routes and answers one request. Returns whether the connection stays open.
  awaitable<bool> handle_request();
  // Sends an answer made by the gateway. Returns whether the connection stays open.
  awaitable<bool> send_local_reply(int status, std::string_view code, std::string_view message,
                                   bool keep_alive,
                                   const std::vector<pipeline::HeaderSet>& headers = {});
  awaitable<void> lingering_close();
  // Sets the phase and its deadline.
  void expect(Phase phase, std::chrono::milliseconds timeout);
  // Queues the access-log line of the request that just ended (if the access log is on).
  void log_request();

  Worker& worker_;
  tcp::socket socket_;
  std::string client_ip_;
  ByteBuffer input_;
  std::string output_;  // heads being written; capacity returns to nothing when idle
  http::RequestHead head_;
  std::string path_;           // normalized path
  std::string upstream_path_;  // rewritten path + query
  http::PathParams params_;
  util::RequestIdText request_id_storage_{};
  std::string_view request_id_;

  Phase phase_ = Phase::client_idle;
  Phase timed_out_in_ = Phase::client_idle;
  bool timed_out_ = false;
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
