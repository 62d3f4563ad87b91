// Shared by the Redis client tests: a fixture with an io_context and a client, and ways to run the
// io_context until a coroutine or a condition is done, always within a time limit.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>

#include "config/schema.h"
#include "store/redis/redis_client.h"
#include "support/redis.h"

namespace apigw::test {

using store::redis::RedisClient;
using store::redis::RedisErrc;
using store::redis::RedisReply;
using store::redis::RedisResult;
using namespace std::chrono_literals;

// Runs the io_context until `done()` or `limit`; false on the limit.
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (io.stopped()) io.restart();
    io.run_one_for(10ms);
  }
  return true;
}

// Runs the io_context for `duration`, whatever happens.
inline void run_for(boost::asio::io_context& io, std::chrono::milliseconds duration) {
  run_until(
      io, [] { return false; }, duration);
}

// A coroutine started on `io` whose result is collected later (several may run at once).
template <typename T>
class Started {
 public:
  Started(boost::asio::io_context& io, store::awaitable<T> task)
      : state_(std::make_shared<std::optional<T>>()) {
    boost::asio::co_spawn(io, std::move(task),
                          [state = state_](std::exception_ptr error, std::optional<T> value) {
                            if (error) std::rethrow_exception(error);
                            *state = std::move(value);
                          });
  }
  bool done() const { return state_->has_value(); }
  T& get() { return **state_; }

 private:
  std::shared_ptr<std::optional<T>> state_;
};

// Runs `task` to completion, at most `limit`; throws (failing the test) past it.
template <typename T>
T run(boost::asio::io_context& io, store::awaitable<T> task,
      std::chrono::milliseconds limit = 10s) {
  Started<T> started(io, std::move(task));
  if (!run_until(
          io, [&] { return started.done(); }, limit)) {
    throw std::runtime_error("the coroutine did not finish in time");
  }
  return std::move(started.get());
}

inline config::RedisConfig config_for(const TestRedis& redis, const std::string& password = "",
                                      std::uint32_t db = 0) {
  config::RedisConfig config;
  config.enabled = true;
  config.url = redis.url(static_cast<int>(db));
  config.host = "127.0.0.1";
  config.port = static_cast<std::uint16_t>(redis.port());
  config.db = db;
  config.password = password;
  config.pool_size = 1;
  config.reconnect_max = 200ms;  // a restarted server is found again within a fraction of a second
  return config;
}

// How a result reads in an assertion: a reply's text, an integer's digits, "(nil)", or
// "failed: <code> <message>".
inline std::string describe(const RedisResult& result) {
  if (!result) {
    return "failed: " + std::string(to_string(result.error())) + " " + result.message();
  }
  const RedisReply& reply = result.reply();
  if (reply.type == RedisReply::Type::integer) return std::to_string(reply.integer);
  if (reply.is_nil()) return "(nil)";
  if (reply.is_error()) return "error: " + reply.text;
  return reply.text;
}

class RedisClientTest : public ::testing::Test {
 protected:
  // Starts a client and waits until its whole pool is connected.
  void connect(const config::RedisConfig& config) {
    client = std::make_unique<RedisClient>(io.get_executor(), config);
    client->start();
    ASSERT_TRUE(run_until(
        io, [&] { return client->connected() == config.pool_size; }, 5s))
        << "the client did not connect";
  }
  RedisResult command(std::initializer_list<std::string_view> args) {
    return run(io, client->command(args));
  }
  std::string text(std::initializer_list<std::string_view> args) { return describe(command(args)); }

  boost::asio::io_context io;
  std::unique_ptr<RedisClient> client;  // destroyed before `io`
};

}  // namespace apigw::test
