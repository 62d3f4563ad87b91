// One TCP connection of a RedisClient's pool, with its pipeline and its own reconnect loop.
// Internal to store/redis/: the client is the contract (redis_client.h says why it works so).
#pragma once

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <random>
#include <string>

#include "config/schema.h"
#include "store/redis/protocol.h"
#include "store/redis/reply.h"
#include "store/store.h"

namespace apigw::util {
class Cancellation;
}

namespace apigw::store::redis {

struct PendingCommand;

class RedisConnection : public std::enable_shared_from_this<RedisConnection> {
 public:
  enum class State {
    down,        // not connected, waiting before the next attempt: commands fail at once
    connecting,  // resolve, TCP connect, AUTH, SELECT: commands queue behind them
    ready,       // commands are written as they come
    closed,      // close() was called; for good
  };

  RedisConnection(executor executor, const config::RedisConfig& config, unsigned seed);
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Starts the connect/read/reconnect loop, which keeps this object alive until close().
  void start();
  // Fails every queued and sent command with RedisErrc::closed and ends the loop.
  void close();

  // Queues one encoded command and waits for its reply, its timeout or its cancellation. Only
  // in states connecting and ready (the client checks).
  awaitable<RedisResult> execute(std::string encoded, util::Cancellation* cancellation);

  State state() const { return state_; }
  // Commands whose reply has not been read yet, abandoned ones included (their replies will
  // still come): the load of this connection.
  std::size_t in_flight() const { return in_flight_.size(); }
  const std::string& last_error() const { return last_error_; }
  const RedisCounters& counters() const { return counters_; }

 private:
  using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, executor>;
  using Resolver = boost::asio::ip::basic_resolver<boost::asio::ip::tcp, executor>;
  using Timer = boost::asio::basic_waitable_timer<
      std::chrono::steady_clock, boost::asio::wait_traits<std::chrono::steady_clock>, executor>;

  awaitable<void> run(std::shared_ptr<RedisConnection> self);
  // One attempt under connect_timeout; returns "" on success, else what went wrong.
  awaitable<std::string> establish();
  awaitable<std::string> connect_and_greet();
  // Reads replies and hands them to the commands in order until the connection fails; returns why.
  awaitable<std::string> read_replies();
  void enqueue(const std::shared_ptr<PendingCommand>& command, std::string encoded);
  // Once connected: writes the commands queued during the attempt, minus those given up on.
  void send_queued();
  void start_write();
  void drop_socket();
  void fail_all(RedisErrc code, const std::string& message);
  std::chrono::milliseconds jittered(std::chrono::milliseconds backoff);

  executor executor_;
  config::RedisConfig config_;
  Socket socket_;
  Resolver resolver_;
  Timer attempt_timer_;
  Timer backoff_timer_;
  ReplyReader reader_;
  std::array<char, 16 * 1024> read_buffer_;
  std::string pending_;  // encoded commands not written yet
  std::string writing_;  // the batch being written
  bool write_active_ = false;
  std::string write_error_;
  // Every command queued or sent and not answered yet, in order: replies pop the front.
  std::deque<std::shared_ptr<PendingCommand>> in_flight_;
  State state_ = State::down;
  // Bumped by every attempt and by close(): a handler from an older one finds it changed.
  std::uint64_t generation_ = 0;
  bool attempt_timed_out_ = false;
  std::string last_error_ = "not connected yet";
  RedisCounters counters_;
  std::minstd_rand random_;
};

}  // namespace apigw::store::redis
