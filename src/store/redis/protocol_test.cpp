#include "store/redis/protocol.h"

#include <gtest/gtest.h>

#include <vector>

namespace apigw::store::redis {
namespace {

using Type = RedisReply::Type;
using namespace std::string_literals;

std::vector<RedisReply> parse_all(ReplyReader& reader, std::string_view bytes) {
  reader.feed(bytes);
  std::vector<RedisReply> replies;
  RedisReply reply;
  while (reader.next(reply) == ReplyReader::Status::reply) replies.push_back(reply);
  return replies;
}

TEST(RedisProtocol, CommandsAreArraysOfBulkStrings) {
  std::string out;
  const std::string_view set[] = {"SET", "key", "value"};
  append_command(set, out);
  EXPECT_EQ(out, "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n");
}

TEST(RedisProtocol, CommandsAreBinarySafeAndAppend) {
  std::string out = "before";
  const std::string value = "a\0b\r\n"s;
  const std::string_view args[] = {"SET", "", value};
  append_command(args, out);
  EXPECT_EQ(out, "before*3\r\n$3\r\nSET\r\n$0\r\n\r\n$5\r\na\0b\r\n\r\n"s);
}

TEST(RedisProtocol, EveryReplyType) {
  ReplyReader reader;
  const auto replies =
      parse_all(reader, "+OK\r\n-ERR wrong\r\n:-42\r\n$3\r\nabc\r\n$-1\r\n*-1\r\n*0\r\n");
  ASSERT_EQ(replies.size(), 7u);
  EXPECT_EQ(replies[0].type, Type::status);
  EXPECT_EQ(replies[0].text, "OK");
  EXPECT_EQ(replies[1].type, Type::error);
  EXPECT_TRUE(replies[1].is_error());
  EXPECT_EQ(replies[1].text, "ERR wrong");
  EXPECT_EQ(replies[2].type, Type::integer);
  EXPECT_EQ(replies[2].integer, -42);
  EXPECT_EQ(replies[3].type, Type::string);
  EXPECT_EQ(replies[3].text, "abc");
  EXPECT_TRUE(replies[4].is_nil());
  EXPECT_TRUE(replies[5].is_nil());
  EXPECT_EQ(replies[6].type, Type::array);
  EXPECT_TRUE(replies[6].elements.empty());
}

TEST(RedisProtocol, NestedArraysAndBinaryStrings) {
  ReplyReader reader;
  const auto replies = parse_all(reader, "*3\r\n$4\r\na\0\r\n\r\n*2\r\n:1\r\n$-1\r\n+x\r\n"s);
  ASSERT_EQ(replies.size(), 1u);
  const RedisReply& array = replies[0];
  ASSERT_EQ(array.type, Type::array);
  ASSERT_EQ(array.elements.size(), 3u);
  EXPECT_EQ(array.elements[0].text, "a\0\r\n"s);
  ASSERT_EQ(array.elements[1].elements.size(), 2u);
  EXPECT_EQ(array.elements[1].elements[0].integer, 1);
  EXPECT_TRUE(array.elements[1].elements[1].is_nil());
  EXPECT_EQ(array.elements[2].type, Type::status);
}

TEST(RedisProtocol, RepliesSplitAcrossReadsComeOutWhole) {
  ReplyReader reader;
  const std::string bytes = "$5\r\nhello\r\n:7\r\n";
  std::vector<RedisReply> replies;
  for (char c : bytes) {
    for (auto& reply : parse_all(reader, std::string_view(&c, 1))) replies.push_back(reply);
  }
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].text, "hello");
  EXPECT_EQ(replies[1].integer, 7);
  RedisReply none;
  EXPECT_EQ(reader.next(none), ReplyReader::Status::incomplete);
}

TEST(RedisProtocol, GarbageIsAProtocolErrorUntilReset) {
  ReplyReader reader;
  reader.feed("?what\r\n");
  RedisReply reply;
  EXPECT_EQ(reader.next(reply), ReplyReader::Status::protocol_error);
  EXPECT_FALSE(reader.error().empty());
  reader.feed("+OK\r\n");
  EXPECT_EQ(reader.next(reply), ReplyReader::Status::protocol_error);
  reader.reset();
  EXPECT_EQ(reader.error(), "");
  reader.feed("+OK\r\n");
  ASSERT_EQ(reader.next(reply), ReplyReader::Status::reply);
  EXPECT_EQ(reply.text, "OK");
}

TEST(RedisProtocol, ResetDropsAPartialReply) {
  ReplyReader reader;
  reader.feed("$10\r\nhalf");
  RedisReply reply;
  EXPECT_EQ(reader.next(reply), ReplyReader::Status::incomplete);
  reader.reset();
  reader.feed(":1\r\n");
  ASSERT_EQ(reader.next(reply), ReplyReader::Status::reply);
  EXPECT_EQ(reply.integer, 1);
}

TEST(RedisResult, ReplyOrFailure) {
  RedisReply reply;
  reply.type = Type::integer;
  reply.integer = 3;
  const RedisResult ok(reply);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok.reply().integer, 3);
  const RedisResult failed(RedisErrc::timeout, "redis: timed out");
  EXPECT_FALSE(failed);
  EXPECT_EQ(failed.error(), RedisErrc::timeout);
  EXPECT_EQ(failed.message(), "redis: timed out");
  EXPECT_EQ(to_string(RedisErrc::connection_lost), "connection_lost");
}

}  // namespace
}  // namespace apigw::store::redis
