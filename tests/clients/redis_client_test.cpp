// The Redis client against a real redis-server: commands and their replies, pipelining, the pool.
#include <string>
#include <vector>

#include "clients/redis_test_helpers.h"

namespace apigw::test {
namespace {

using Type = RedisReply::Type;

class RedisCommands : public RedisClientTest {
 protected:
  TestRedis redis;
};

TEST_F(RedisCommands, SetGetIncrAndNil) {
  connect(config_for(redis));
  EXPECT_EQ(text({"SET", "greeting", "hello"}), "OK");
  const RedisResult get = command({"GET", "greeting"});
  ASSERT_TRUE(get) << describe(get);
  EXPECT_EQ(get.reply().type, Type::string);
  EXPECT_EQ(get.reply().text, "hello");
  const RedisResult incr = command({"INCR", "visits"});
  ASSERT_TRUE(incr) << describe(incr);
  EXPECT_EQ(incr.reply().type, Type::integer);
  EXPECT_EQ(incr.reply().integer, 1);
  EXPECT_EQ(text({"INCRBY", "visits", "41"}), "42");
  const RedisResult missing = command({"GET", "no-such-key"});
  ASSERT_TRUE(missing) << describe(missing);
  EXPECT_TRUE(missing.reply().is_nil());
  EXPECT_EQ(redis.cli({"GET", "visits"}), "42");  // what the server holds, seen from outside
}

TEST_F(RedisCommands, BinaryKeysAndValuesRoundTrip) {
  connect(config_for(redis));
  std::string value;
  for (int i = 0; i < 256; ++i) value.push_back(static_cast<char>(i));
  value += "\r\n$5\r\n*1\r\n";  // RESP framing inside a value must stay data
  const std::string key("bin\0key\r\n", 9);
  EXPECT_EQ(text({"SET", key, value}), "OK");
  const RedisResult get = command({"GET", key});
  ASSERT_TRUE(get) << describe(get);
  EXPECT_EQ(get.reply().text, value);
  EXPECT_EQ(text({"STRLEN", key}), std::to_string(value.size()));
}

TEST_F(RedisCommands, ArraysAndNestedArrays) {
  connect(config_for(redis));
  EXPECT_EQ(text({"RPUSH", "list", "a", "", "c"}), "3");
  const RedisResult range = command({"LRANGE", "list", "0", "-1"});
  ASSERT_TRUE(range) << describe(range);
  ASSERT_EQ(range.reply().type, Type::array);
  ASSERT_EQ(range.reply().elements.size(), 3u);
  EXPECT_EQ(range.reply().elements[0].text, "a");
  EXPECT_EQ(range.reply().elements[1].text, "");
  EXPECT_EQ(range.reply().elements[2].text, "c");

  EXPECT_EQ(text({"SET", "k1", "v1"}), "OK");
  const RedisResult mget = command({"MGET", "k1", "missing"});
  ASSERT_TRUE(mget) << describe(mget);
  ASSERT_EQ(mget.reply().elements.size(), 2u);
  EXPECT_EQ(mget.reply().elements[0].text, "v1");
  EXPECT_TRUE(mget.reply().elements[1].is_nil());

  // MULTI/EXEC answers with an array of the queued commands' replies: arrays inside an array.
  EXPECT_EQ(text({"MULTI"}), "OK");
  EXPECT_EQ(text({"LRANGE", "list", "0", "0"}), "QUEUED");
  EXPECT_EQ(text({"INCR", "n"}), "QUEUED");
  const RedisResult exec = command({"EXEC"});
  ASSERT_TRUE(exec) << describe(exec);
  ASSERT_EQ(exec.reply().elements.size(), 2u);
  ASSERT_EQ(exec.reply().elements[0].type, Type::array);
  EXPECT_EQ(exec.reply().elements[0].elements.at(0).text, "a");
  EXPECT_EQ(exec.reply().elements[1].integer, 1);

  const RedisResult empty = command({"LRANGE", "nothing", "0", "-1"});
  ASSERT_TRUE(empty) << describe(empty);
  EXPECT_EQ(empty.reply().type, Type::array);
  EXPECT_TRUE(empty.reply().elements.empty());
}

TEST_F(RedisCommands, ErrorRepliesAreRepliesAndTheConnectionGoesOn) {
  connect(config_for(redis));
  EXPECT_EQ(text({"SET", "text", "x"}), "OK");
  const RedisResult wrong_type = command({"INCR", "text"});
  ASSERT_TRUE(wrong_type) << describe(wrong_type);
  EXPECT_TRUE(wrong_type.reply().is_error());
  EXPECT_EQ(wrong_type.reply().text, "ERR value is not an integer or out of range");
  const RedisResult unknown = command({"NOSUCHCOMMAND", "a"});
  ASSERT_TRUE(unknown) << describe(unknown);
  EXPECT_TRUE(unknown.reply().is_error());
  EXPECT_TRUE(unknown.reply().text.starts_with("ERR unknown command")) << unknown.reply().text;
  EXPECT_EQ(text({"GET", "text"}), "x");
  const auto counters = client->counters();
  EXPECT_EQ(counters.commands, 4u);
  EXPECT_EQ(counters.error_replies, 2u);
  EXPECT_EQ(counters.errors, 0u);
  EXPECT_EQ(client->connected(), 1u);
}

std::int64_t total_reads_processed(const TestRedis& redis) {
  const std::string info = redis.cli({"INFO", "stats"});
  const std::string field = "total_reads_processed:";
  const std::size_t at = info.find(field);
  if (at == std::string::npos) return -1;
  return std::stoll(info.substr(at + field.size()));
}

TEST_F(RedisCommands, AThousandConcurrentIncrsArePipelinedAndAnsweredInOrder) {
  connect(config_for(redis));  // pool_size 1: one connection carries them all
  const std::int64_t reads_before = total_reads_processed(redis);
  constexpr int kCommands = 1000;
  std::vector<Started<RedisResult>> started;
  started.reserve(kCommands);
  // Each coroutine issues its INCR at its first step, in the order they were started.
  for (int i = 0; i < kCommands; ++i) started.emplace_back(io, client->command({"INCR", "count"}));
  ASSERT_TRUE(run_until(io, [&] {
    for (const auto& s : started) {
      if (!s.done()) return false;
    }
    return true;
  }));
  for (int i = 0; i < kCommands; ++i) {
    ASSERT_TRUE(started[i].get()) << describe(started[i].get());
    // FIFO matching: the i-th command issued gets the i-th reply.
    ASSERT_EQ(started[i].get().reply().integer, i + 1) << "command " << i;
  }
  EXPECT_EQ(redis.cli({"GET", "count"}), "1000");
  // Written in batches, not one write per command: the server saw far fewer reads than commands
  // (each redis-cli call above adds one or two).
  const std::int64_t reads = total_reads_processed(redis) - reads_before;
  ASSERT_GE(reads_before, 0) << "INFO stats has no total_reads_processed";
  EXPECT_LT(reads, 100) << "server reads for " << kCommands << " commands";
}

TEST_F(RedisCommands, PoolSpreadsConcurrentCommandsOverItsConnections) {
  auto config = config_for(redis);
  config.pool_size = 3;
  connect(config);
  // CLIENT ID names the connection a command ran on; three at once go to three connections.
  std::vector<Started<RedisResult>> ids;
  for (int i = 0; i < 3; ++i) ids.emplace_back(io, client->command({"CLIENT", "ID"}));
  ASSERT_TRUE(run_until(io, [&] { return ids[0].done() && ids[1].done() && ids[2].done(); }));
  std::vector<std::int64_t> seen;
  for (auto& id : ids) {
    ASSERT_TRUE(id.get()) << describe(id.get());
    seen.push_back(id.get().reply().integer);
  }
  EXPECT_NE(seen[0], seen[1]);
  EXPECT_NE(seen[1], seen[2]);
  EXPECT_NE(seen[0], seen[2]);
  EXPECT_EQ(client->connected(), 3u);
}

TEST_F(RedisCommands, ArgumentsNeedNotOutliveTheCall) {
  connect(config_for(redis));
  auto make = [&] {
    std::string key = "temporary-key";
    std::string value = "temporary-value";
    return client->command({"SET", key, value});  // key and value die here
  };
  auto task = make();
  const RedisResult set = run(io, std::move(task));
  EXPECT_EQ(describe(set), "OK");
  EXPECT_EQ(redis.cli({"GET", "temporary-key"}), "temporary-value");
}

}  // namespace
}  // namespace apigw::test
