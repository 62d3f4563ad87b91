// apigw's Redis client: one per worker, on the worker's io_context, single-threaded, no locks.
//
// Protocol: hiredis's reader and command formatter (RESP, binary safe) with Asio doing all I/O.
// A reply is copied into an owned RedisReply, so no hiredis type leaves store/redis/.
//
// Pool and pipelining: `pool_size` connections; each command goes to the ready connection with
// the fewest replies outstanding. On a connection, commands are appended to one output buffer;
// while a write is in progress, new commands gather and go out together in the next write.
// Replies are matched to commands in order (FIFO).
//
// Connecting: every (re)connect sends AUTH (with the URL's user if there is one) and SELECT
// before any queued command, and waits for both replies, so a command never runs
// unauthenticated or in the wrong database. A refused AUTH or SELECT is a failed attempt.
//
// Failures, and why they are what they are:
//   - Commands issued while a connection attempt is in progress wait for it (bounded by their
//     timeout); if it fails they fail with connect_failed. Commands issued while no connection
//     is up or being set up (backing off after a failure) fail at once with not_connected, whose
//     message carries the last error ("AUTH refused ...", "cannot connect ..."): a gateway must
//     answer, not pile up requests behind a dead Redis.
//   - A lost connection fails every command queued or sent on it with connection_lost. They are
//     never retried: a sent command may have run (INCR twice is a wrong count).
//   - Reconnect: at once after a connection that lived at least 1 s was lost, otherwise after a
//     backoff starting at 100 ms and doubling up to `reconnect_max`, with jitter (each wait is
//     between half and all of it) so workers do not retry in step.
//   - Timeout (`timeout`, per command): the caller gets RedisErrc::timeout, but the command
//     keeps its place in the connection's reply queue, so its reply, if it comes, is read and
//     dropped and later replies still reach their own commands. The connection stays up: a slow
//     Redis should not cost every other command in flight a connection_lost. (A server that
//     stops answering without closing is found by TCP keepalive, or not at all; not handled yet.)
//   - Cancellation (util::Cancellation): the same as a timeout, ended at once with cancelled.
//   - A command that times out or is cancelled while its connection is still being set up is
//     never sent.
//   - An error reply ("-ERR ...", "-WRONGTYPE ...") is a reply of type error, not a failure.
//
// Lifetime: destroy the client before its io_context. close() (also run by the destructor)
// fails every pending command with RedisErrc::closed; waiting callers resume normally.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/schema.h"
#include "store/redis/reply.h"
#include "store/store.h"

namespace apigw::util {
class Cancellation;
}

namespace apigw::store::redis {

class RedisConnection;

class RedisClient {
 public:
  // Does no I/O until start(). `config` must be enabled (host and port parsed from its url).
  RedisClient(executor executor, const config::RedisConfig& config);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Starts connecting every connection of the pool (each keeps reconnecting until close()).
  void start();
  // Fails every pending command with RedisErrc::closed and stops reconnecting. Idempotent.
  void close();

  // Runs one command, e.g. command({"SET", key, value}). The arguments are encoded at once, so
  // they need not outlive the call. With `cancellation`, its cancel() ends the wait at once
  // with RedisErrc::cancelled (the registration is cleared when the command ends).
  awaitable<RedisResult> command(std::initializer_list<std::string_view> args,
                                 util::Cancellation* cancellation = nullptr);
  awaitable<RedisResult> command(std::span<const std::string_view> args,
                                 util::Cancellation* cancellation = nullptr);

  // Connections that are up now.
  std::size_t connected() const;
  RedisCounters counters() const;

 private:
  awaitable<RedisResult> send(std::string encoded, util::Cancellation* cancellation);
  // The connection a command goes to, or nullptr when none is up or connecting.
  std::shared_ptr<RedisConnection> pick();
  std::string not_connected_message() const;

  config::RedisConfig config_;
  std::vector<std::shared_ptr<RedisConnection>> connections_;
  std::size_t next_ = 0;     // round robin among equally loaded connections
  RedisCounters fail_fast_;  // commands that failed before reaching a connection
};

}  // namespace apigw::store::redis
