// RESP on the wire, by hiredis's reader and command formatter (hiredis does no I/O here: Asio
// reads and writes, hiredis only turns bytes into replies and commands into bytes). Internal to
// store/redis/.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "store/redis/reply.h"

struct redisReader;

namespace apigw::store::redis {

// Appends one command (an array of bulk strings: binary safe) to `out`.
void append_command(std::span<const std::string_view> args, std::string& out);

// Incremental reply parser for one connection: feed() what was read, then take replies with
// next() until it says more input is needed.
class ReplyReader {
 public:
  ReplyReader();
  ~ReplyReader();
  ReplyReader(const ReplyReader&) = delete;
  ReplyReader& operator=(const ReplyReader&) = delete;

  enum class Status { reply, incomplete, protocol_error };

  void feed(std::string_view bytes);
  // Status::reply fills `out`. After protocol_error the stream cannot be trusted: error() says
  // why, and only reset() makes the reader usable again (for a new connection).
  Status next(RedisReply& out);
  std::string error() const;
  // Forgets buffered input and any error, for a new connection.
  void reset();

 private:
  redisReader* reader_;
};

}  // namespace apigw::store::redis
