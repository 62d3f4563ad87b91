#include "store/redis/connection.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "util/cancellation.h"

namespace apigw::store::redis {
namespace net = boost::asio;

namespace {

const auto kUse = net::as_tuple(net::use_awaitable_t<executor>());
// The first wait after a failed attempt; it doubles up to [redis] reconnect_max.
constexpr std::chrono::milliseconds kBackoffStart{100};
// A connection lost sooner than this after it was set up counts as a failed attempt (backoff
// continues), so a server that accepts and drops at once is not hammered.
constexpr std::chrono::seconds kStableAfter{1};

}  // namespace

// A command between being queued and its reply. The caller waits on `done`, a timer set to the
// command's deadline: the reply, a failure or a cancellation cancels it, so the wait ends early;
// the wait ending by expiry is the timeout. Once `result` is set, later outcomes are ignored: a
// late reply of a timed-out or cancelled command is read and dropped.
struct PendingCommand {
  using Timer = net::basic_waitable_timer<std::chrono::steady_clock,
                                          net::wait_traits<std::chrono::steady_clock>, executor>;

  PendingCommand(executor executor, std::chrono::milliseconds timeout) : done(executor) {
    done.expires_after(timeout);
  }
  void finish(RedisResult outcome) {
    if (result) return;
    result.emplace(std::move(outcome));
    done.cancel();
  }

  Timer done;
  std::optional<RedisResult> result;
  // Queued while the connection is being set up: the command's bytes, written once it is up
  // unless the caller has given up by then (a command that was never sent never runs).
  std::string unsent;
};

RedisConnection::RedisConnection(executor executor, const config::RedisConfig& config,
                                 unsigned seed)
    : executor_(executor),
      config_(config),
      socket_(executor),
      resolver_(executor),
      attempt_timer_(executor),
      backoff_timer_(executor),
      random_(seed) {}

void RedisConnection::start() {
  if (state_ != State::down || generation_ != 0) return;
  state_ = State::connecting;  // the first attempt starts now: commands may queue for it
  auto self = shared_from_this();
  net::co_spawn(executor_, run(self), net::detached);
}

void RedisConnection::close() {
  if (state_ == State::closed) return;
  state_ = State::closed;
  ++generation_;
  resolver_.cancel();
  attempt_timer_.cancel();
  backoff_timer_.cancel();
  drop_socket();
  fail_all(RedisErrc::closed, "redis: the client was closed");
}

void RedisConnection::drop_socket() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void RedisConnection::fail_all(RedisErrc code, const std::string& message) {
  pending_.clear();
  auto failed = std::exchange(in_flight_, {});
  // Each caller resumes later, from its own handler: nothing here runs caller code.
  for (const auto& command : failed) command->finish(RedisResult(code, message));
}

std::chrono::milliseconds RedisConnection::jittered(std::chrono::milliseconds backoff) {
  // Between half and all of `backoff`, so the workers' connections do not retry in step.
  std::uniform_int_distribution<std::int64_t> spread(backoff.count() / 2, backoff.count());
  return std::chrono::milliseconds(spread(random_));
}

awaitable<void> RedisConnection::run(std::shared_ptr<RedisConnection> self) {
  (void)self;  // held so the loop outlives the client; close() ends it
  auto backoff = kBackoffStart;
  bool connected_before = false;
  bool wait_first = false;
  while (state_ != State::closed) {
    if (wait_first) {
      state_ = State::down;
      backoff_timer_.expires_after(jittered(backoff));
      co_await backoff_timer_.async_wait(kUse);
      if (state_ == State::closed) co_return;
      backoff = std::min(backoff * 2, std::chrono::milliseconds(config_.reconnect_max));
    }
    state_ = State::connecting;
    const std::string failure = co_await establish();
    if (state_ == State::closed) co_return;
    if (!failure.empty()) {
      state_ = State::down;
      drop_socket();
      last_error_ = failure;
      fail_all(RedisErrc::connect_failed, "redis: " + failure);
      wait_first = true;
      continue;
    }
    if (connected_before) ++counters_.reconnects;
    connected_before = true;
    state_ = State::ready;
    last_error_.clear();
    send_queued();
    const auto connected_at = std::chrono::steady_clock::now();
    const std::string lost = co_await read_replies();
    if (state_ == State::closed) co_return;
    state_ = State::down;
    drop_socket();
    last_error_ = "connection lost: " + lost;
    fail_all(RedisErrc::connection_lost,
             "redis: connection lost (" + lost + "); the command may have run");
    // A connection that lived a while was fine: reconnect at once (a restarted server, an idle
    // timeout). One that failed right away is treated like a failed attempt.
    const bool stable = std::chrono::steady_clock::now() - connected_at >= kStableAfter;
    if (stable) backoff = kBackoffStart;
    wait_first = !stable;
  }
}

awaitable<std::string> RedisConnection::establish() {
  const std::uint64_t generation = ++generation_;
  drop_socket();
  reader_.reset();
  writing_.clear();
  write_active_ = false;  // a write of the old socket was aborted by its close
  write_error_.clear();
  attempt_timed_out_ = false;
  attempt_timer_.expires_after(config_.connect_timeout);
  attempt_timer_.async_wait([self = shared_from_this(), generation](boost::system::error_code ec) {
    if (ec || self->generation_ != generation || self->state_ != State::connecting) return;
    self->attempt_timed_out_ = true;
    self->resolver_.cancel();
    self->drop_socket();
  });
  std::string failure = co_await connect_and_greet();
  attempt_timer_.cancel();
  if (attempt_timed_out_ && state_ != State::closed) {
    failure = "no connection to " + config_.host + ":" + std::to_string(config_.port) +
              " within connect_timeout (" + std::to_string(config_.connect_timeout.count()) +
              " ms)";
  }
  co_return failure;
}

awaitable<std::string> RedisConnection::connect_and_greet() {
  const std::string where = config_.host + ":" + std::to_string(config_.port);
  auto [resolve_error, endpoints] =
      co_await resolver_.async_resolve(config_.host, std::to_string(config_.port), kUse);
  if (resolve_error) co_return "cannot resolve " + config_.host + ": " + resolve_error.message();
  auto [connect_error, endpoint] = co_await net::async_connect(socket_, endpoints, kUse);
  if (connect_error) co_return "cannot connect to " + where + ": " + connect_error.message();
  boost::system::error_code ignored;
  socket_.set_option(net::ip::tcp::no_delay(true), ignored);
  socket_.set_option(net::socket_base::keep_alive(true), ignored);

  // AUTH and SELECT go out together, before any queued command: a command must never run
  // unauthenticated or in database 0 by mistake.
  std::string greeting;
  std::size_t expected = 0;
  if (!config_.password.empty()) {
    if (config_.username.empty()) {
      const std::string_view auth[] = {"AUTH", config_.password};
      append_command(auth, greeting);
    } else {
      const std::string_view auth[] = {"AUTH", config_.username, config_.password};
      append_command(auth, greeting);
    }
    ++expected;
  }
  const std::string db = std::to_string(config_.db);
  if (config_.db != 0) {
    const std::string_view select[] = {"SELECT", db};
    append_command(select, greeting);
    ++expected;
  }
  if (expected == 0) co_return "";
  auto [write_error, written] = co_await net::async_write(socket_, net::buffer(greeting), kUse);
  if (write_error) co_return "cannot send AUTH/SELECT to " + where + ": " + write_error.message();
  std::vector<RedisReply> replies;
  while (replies.size() < expected) {
    RedisReply reply;
    const auto status = reader_.next(reply);
    if (status == ReplyReader::Status::reply) {
      replies.push_back(std::move(reply));
      continue;
    }
    if (status == ReplyReader::Status::protocol_error) {
      co_return "protocol error from " + where + ": " + reader_.error();
    }
    auto [read_error, read] = co_await socket_.async_read_some(net::buffer(read_buffer_), kUse);
    if (read_error) {
      co_return (read_error == net::error::eof ? "the server closed the connection"
                                               : read_error.message()) +
          " during AUTH/SELECT";
    }
    reader_.feed(std::string_view(read_buffer_.data(), read));
  }
  std::size_t next = 0;
  if (!config_.password.empty() && replies[next++].is_error()) {
    co_return "AUTH refused by " + where + ": " + replies[0].text;
  }
  if (config_.db != 0 && replies[next].is_error()) {
    co_return "SELECT " + db + " refused by " + where + ": " + replies[next].text;
  }
  co_return "";
}

awaitable<std::string> RedisConnection::read_replies() {
  for (;;) {
    auto [error, read] = co_await socket_.async_read_some(net::buffer(read_buffer_), kUse);
    if (state_ != State::ready) co_return "closed";
    if (!write_error_.empty()) co_return write_error_;
    if (error) co_return error == net::error::eof ? "the server closed it" : error.message();
    reader_.feed(std::string_view(read_buffer_.data(), read));
    for (;;) {
      RedisReply reply;
      const auto status = reader_.next(reply);
      if (status == ReplyReader::Status::incomplete) break;
      if (status == ReplyReader::Status::protocol_error) {
        co_return "protocol error: " + reader_.error();
      }
      if (in_flight_.empty()) co_return "a reply no command asked for";
      const auto command = std::move(in_flight_.front());
      in_flight_.pop_front();
      if (reply.is_error()) ++counters_.error_replies;
      command->finish(RedisResult(std::move(reply)));
    }
  }
}

void RedisConnection::enqueue(const std::shared_ptr<PendingCommand>& command, std::string encoded) {
  in_flight_.push_back(command);
  if (state_ != State::ready) {
    command->unsent = std::move(encoded);
    return;
  }
  // While a write is in progress, commands gather in pending_ and go out in the next batch.
  pending_.append(encoded);
  if (!write_active_) start_write();
}

void RedisConnection::send_queued() {
  // Everything in in_flight_ was queued during the attempt; none of it was sent.
  std::erase_if(in_flight_, [](const auto& command) { return command->result.has_value(); });
  for (const auto& command : in_flight_) {
    pending_.append(command->unsent);
    command->unsent = {};
  }
  if (!pending_.empty()) start_write();
}

void RedisConnection::start_write() {
  write_active_ = true;
  writing_.swap(pending_);
  pending_.clear();
  net::async_write(socket_, net::buffer(writing_),
                   [self = shared_from_this(), generation = generation_](
                       boost::system::error_code error, std::size_t) {
                     if (self->generation_ != generation || self->state_ != State::ready) return;
                     self->write_active_ = false;
                     self->writing_.clear();
                     if (error) {
                       // The reader fails on the closed socket and reports this.
                       self->write_error_ = "write failed: " + error.message();
                       self->drop_socket();
                       return;
                     }
                     if (!self->pending_.empty()) self->start_write();
                   });
}

awaitable<RedisResult> RedisConnection::execute(std::string encoded,
                                                util::Cancellation* cancellation) {
  // Keeps this connection alive until the command ends, even if the client goes first.
  const auto self = shared_from_this();
  ++counters_.commands;
  if (state_ != State::connecting && state_ != State::ready) {
    ++counters_.errors;
    co_return RedisResult(RedisErrc::not_connected, "redis: not connected (" + last_error_ + ")");
  }
  auto command = std::make_shared<PendingCommand>(executor_, config_.timeout);
  enqueue(command, std::move(encoded));
  if (cancellation != nullptr) {
    cancellation->on_cancel(
        [command] { command->finish(RedisResult(RedisErrc::cancelled, "redis: cancelled")); });
  }
  co_await command->done.async_wait(kUse);
  if (cancellation != nullptr) cancellation->clear();
  if (!command->result) {
    ++counters_.timeouts;
    // The command stays in in_flight_ so that its reply, if it comes, is matched and dropped.
    command->finish(
        RedisResult(RedisErrc::timeout,
                    "redis: no reply within " + std::to_string(config_.timeout.count()) + " ms"));
  }
  RedisResult result = std::move(*command->result);
  if (!result.has_reply()) ++counters_.errors;
  co_return result;
}

}  // namespace apigw::store::redis
