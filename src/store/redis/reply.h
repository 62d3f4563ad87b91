// What a Redis command gives back: a reply the client owns (no hiredis types outside
// store/redis/), or the reason no reply came. An error reply ("-ERR ...") is a reply: the server
// ran the command and answered; only transport trouble is a failure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace apigw::store::redis {

// One RESP2 reply (what Redis sends unless a client asks for RESP3 with HELLO 3).
struct RedisReply {
  enum class Type { nil, integer, string, status, error, array };
  Type type = Type::nil;
  std::int64_t integer = 0;          // Type::integer
  std::string text;                  // string (binary safe), status ("OK"), error ("ERR ...")
  std::vector<RedisReply> elements;  // Type::array

  bool is_nil() const { return type == Type::nil; }
  bool is_error() const { return type == Type::error; }
};

// Why a command got no reply. Only not_connected and connect_failed promise that the command was
// not sent; after the others it may have run (so it is never retried by the client).
enum class RedisErrc {
  not_connected,    // no connection was up or being set up: failed at once, not sent
  connect_failed,   // queued for a connection attempt that failed (refused, AUTH, SELECT): not sent
  connection_lost,  // the connection closed while the command was queued or sent
  timeout,          // no reply within [redis] timeout
  cancelled,        // the caller's util::Cancellation fired
  closed,           // the client was closed (shutdown)
};

std::string_view to_string(RedisErrc code);

// A reply, or a failure with a message for logs ("redis: connection lost (...)").
class RedisResult {
 public:
  // Only for code that needs a default (Asio's co_spawn does): a failure, never a reply.
  RedisResult() : RedisResult(RedisErrc::closed, "redis: no result") {}
  RedisResult(RedisReply reply) : value_(std::move(reply)) {}  // NOLINT: a reply is a result
  RedisResult(RedisErrc code, std::string message) : value_(Failure{code, std::move(message)}) {}

  bool has_reply() const { return std::holds_alternative<RedisReply>(value_); }
  explicit operator bool() const { return has_reply(); }
  // Only with has_reply().
  const RedisReply& reply() const { return std::get<RedisReply>(value_); }
  RedisReply& reply() { return std::get<RedisReply>(value_); }
  // Only without a reply.
  RedisErrc error() const { return std::get<Failure>(value_).code; }
  const std::string& message() const { return std::get<Failure>(value_).message; }

 private:
  struct Failure {
    RedisErrc code;
    std::string message;
  };
  std::variant<RedisReply, Failure> value_;
};

// What a client did, for metrics; summed over its connections.
struct RedisCounters {
  std::uint64_t commands = 0;       // commands issued
  std::uint64_t errors = 0;         // commands that got no reply (any RedisErrc)
  std::uint64_t timeouts = 0;       // of those, timeouts
  std::uint64_t error_replies = 0;  // replies of type error
  std::uint64_t reconnects = 0;     // connections set up again after a loss or a failed attempt
};

}  // namespace apigw::store::redis
