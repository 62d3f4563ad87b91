#include "store/redis/redis_client.h"

#include <algorithm>
#include <random>

#include "store/redis/connection.h"
#include "store/redis/protocol.h"
#include "util/cancellation.h"

namespace apigw::store::redis {

RedisClient::RedisClient(executor executor, const config::RedisConfig& config) : config_(config) {
  std::random_device seeds;
  const std::uint32_t size = std::max<std::uint32_t>(config.pool_size, 1);
  for (std::uint32_t i = 0; i < size; ++i) {
    connections_.push_back(std::make_shared<RedisConnection>(executor, config, seeds()));
  }
}

RedisClient::~RedisClient() { close(); }

void RedisClient::start() {
  for (const auto& connection : connections_) connection->start();
}

void RedisClient::close() {
  for (const auto& connection : connections_) connection->close();
}

awaitable<RedisResult> RedisClient::command(std::initializer_list<std::string_view> args,
                                            util::Cancellation* cancellation) {
  return command(std::span<const std::string_view>(args.begin(), args.size()), cancellation);
}

awaitable<RedisResult> RedisClient::command(std::span<const std::string_view> args,
                                            util::Cancellation* cancellation) {
  std::string encoded;
  append_command(args, encoded);
  return send(std::move(encoded), cancellation);
}

awaitable<RedisResult> RedisClient::send(std::string encoded, util::Cancellation* cancellation) {
  // `this` is used only before the first suspension: the connection carries the command from
  // there, so a caller still waiting when the client is destroyed resumes safely.
  if (cancellation != nullptr && cancellation->cancelled()) {
    ++fail_fast_.commands;
    ++fail_fast_.errors;
    co_return RedisResult(RedisErrc::cancelled, "redis: cancelled");
  }
  const auto connection = pick();
  if (connection == nullptr) {
    ++fail_fast_.commands;
    ++fail_fast_.errors;
    if (connections_.front()->state() == RedisConnection::State::closed) {
      co_return RedisResult(RedisErrc::closed, "redis: the client was closed");
    }
    co_return RedisResult(RedisErrc::not_connected, not_connected_message());
  }
  co_return co_await connection->execute(std::move(encoded), cancellation);
}

std::shared_ptr<RedisConnection> RedisClient::pick() {
  // Ready connections first, the least loaded of them; connecting ones only when none is ready.
  const std::size_t count = connections_.size();
  for (const auto wanted : {RedisConnection::State::ready, RedisConnection::State::connecting}) {
    std::shared_ptr<RedisConnection> best;
    for (std::size_t i = 0; i < count; ++i) {
      const auto& candidate = connections_[(next_ + i) % count];
      if (candidate->state() != wanted) continue;
      if (best == nullptr || candidate->in_flight() < best->in_flight()) best = candidate;
    }
    if (best != nullptr) {
      next_ = (next_ + 1) % count;
      return best;
    }
  }
  return nullptr;
}

std::string RedisClient::not_connected_message() const {
  std::string last_error;
  for (const auto& connection : connections_) {
    if (!connection->last_error().empty()) last_error = connection->last_error();
  }
  return "redis: not connected to " + config_.host + ":" + std::to_string(config_.port) + " (" +
         last_error + ")";
}

std::size_t RedisClient::connected() const {
  std::size_t up = 0;
  for (const auto& connection : connections_) {
    if (connection->state() == RedisConnection::State::ready) ++up;
  }
  return up;
}

RedisCounters RedisClient::counters() const {
  RedisCounters total = fail_fast_;
  for (const auto& connection : connections_) {
    const RedisCounters& c = connection->counters();
    total.commands += c.commands;
    total.errors += c.errors;
    total.timeouts += c.timeouts;
    total.error_replies += c.error_replies;
    total.reconnects += c.reconnects;
  }
  return total;
}

}  // namespace apigw::store::redis
