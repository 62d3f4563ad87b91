#include "store/redis/protocol.h"

#include <hiredis/hiredis.h>

#include <memory>
#include <new>
#include <vector>

namespace apigw::store::redis {
namespace {

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};

// hiredis builds its own tree of mallocs; the client hands out owned copies so no hiredis type
// leaves this file and a reply outlives the reader's buffers.
RedisReply convert(const redisReply& in) {
  RedisReply out;
  switch (in.type) {
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::integer;
      out.integer = in.integer;
      break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      out.type = in.type == REDIS_REPLY_STRING   ? RedisReply::Type::string
                 : in.type == REDIS_REPLY_STATUS ? RedisReply::Type::status
                                                 : RedisReply::Type::error;
      out.text.assign(in.str, in.len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::array;
      out.elements.reserve(in.elements);
      for (std::size_t i = 0; i < in.elements; ++i) out.elements.push_back(convert(*in.element[i]));
      break;
    default:  // REDIS_REPLY_NIL, and a null array ("*-1"), which hiredis also reports as NIL
      out.type = RedisReply::Type::nil;
      break;
  }
  return out;
}

}  // namespace

void append_command(std::span<const std::string_view> args, std::string& out) {
  std::vector<const char*> pointers;
  std::vector<std::size_t> lengths;
  pointers.reserve(args.size());
  lengths.reserve(args.size());
  for (const auto arg : args) {
    pointers.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  char* command = nullptr;
  const int length = redisFormatCommandArgv(&command, static_cast<int>(args.size()),
                                            pointers.data(), lengths.data());
  if (length < 0 || command == nullptr) throw std::bad_alloc();
  out.append(command, static_cast<std::size_t>(length));
  redisFreeCommand(command);
}

ReplyReader::ReplyReader() : reader_(redisReaderCreate()) {
  if (reader_ == nullptr) throw std::bad_alloc();
}

ReplyReader::~ReplyReader() { redisReaderFree(reader_); }

void ReplyReader::feed(std::string_view bytes) {
  // Fails only once the reader is in error, which next() reports.
  redisReaderFeed(reader_, bytes.data(), bytes.size());
}

ReplyReader::Status ReplyReader::next(RedisReply& out) {
  void* raw = nullptr;
  if (redisReaderGetReply(reader_, &raw) != REDIS_OK) return Status::protocol_error;
  if (raw == nullptr) return Status::incomplete;
  const std::unique_ptr<redisReply, ReplyDeleter> reply(static_cast<redisReply*>(raw));
  out = convert(*reply);
  return Status::reply;
}

std::string ReplyReader::error() const { return reader_->err != 0 ? reader_->errstr : ""; }

void ReplyReader::reset() {
  redisReader* fresh = redisReaderCreate();
  if (fresh == nullptr) throw std::bad_alloc();
  redisReaderFree(reader_);
  reader_ = fresh;
}

}  // namespace apigw::store::redis
