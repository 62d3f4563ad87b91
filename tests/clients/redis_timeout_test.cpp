// The Redis client's timeouts and cancellation against a real redis-server: the caller is
// released, and the connection keeps matching later replies to the right commands.
#include <string>

#include "clients/redis_test_helpers.h"
#include "util/cancellation.h"

namespace apigw::test {
namespace {

class RedisWaiting : public RedisClientTest {
 protected:
  TestRedis redis;
};

TEST_F(RedisWaiting, TimeoutReleasesTheCallerAndTheLateReplyIsDropped) {
  auto config = config_for(redis);
  config.timeout = 300ms;
  connect(config);
  // Another client holds every command of this one for 1.5 s (CLIENT PAUSE ALL).
  ASSERT_EQ(redis.cli({"CLIENT", "PAUSE", "1500", "ALL"}), "OK");
  const auto issued = std::chrono::steady_clock::now();
  const RedisResult slow = command({"SET", "late", "value"});
  const auto waited = std::chrono::steady_clock::now() - issued;
  ASSERT_FALSE(slow) << describe(slow);
  EXPECT_EQ(slow.error(), RedisErrc::timeout);
  EXPECT_GE(waited, 250ms);
  EXPECT_LT(waited, 1200ms);
  run_for(io, 1400ms);  // the pause ends; the SET runs and its "OK" arrives, for nobody
  // The next command gets its own reply, not the SET's.
  EXPECT_EQ(text({"GET", "late"}), "value");
  EXPECT_EQ(text({"INCR", "n"}), "1");
  // ... on the same connection: the late reply did not throw it out of step.
  EXPECT_EQ(client->connected(), 1u);
  EXPECT_EQ(client->counters().reconnects, 0u);
  EXPECT_EQ(client->counters().timeouts, 1u);
}

TEST_F(RedisWaiting, CancellationEndsTheWaitAtOnce) {
  auto config = config_for(redis);
  config.timeout = 10s;
  connect(config);
  util::Cancellation cancellation;
  Started<RedisResult> blocked(io, client->command({"BLPOP", "queue", "5"}, &cancellation));
  run_for(io, 100ms);  // sent; the server holds it
  ASSERT_FALSE(blocked.done());
  const auto cancelled_at = std::chrono::steady_clock::now();
  cancellation.cancel();
  ASSERT_TRUE(run_until(
      io, [&] { return blocked.done(); }, 1s));
  EXPECT_LT(std::chrono::steady_clock::now() - cancelled_at, 100ms);
  ASSERT_FALSE(blocked.get()) << describe(blocked.get());
  EXPECT_EQ(blocked.get().error(), RedisErrc::cancelled);
  // The BLPOP still runs on the server: it takes what is pushed, and its reply is dropped.
  EXPECT_EQ(redis.cli({"RPUSH", "queue", "item"}), "1");
  EXPECT_EQ(text({"LLEN", "queue"}), "0");
  EXPECT_EQ(text({"PING"}), "PONG");
  EXPECT_EQ(client->counters().reconnects, 0u);
}

TEST_F(RedisWaiting, AlreadyCancelledCommandsAreNeverSent) {
  connect(config_for(redis));
  util::Cancellation cancellation;
  cancellation.cancel();
  const RedisResult result = run(io, client->command({"INCR", "never"}, &cancellation));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), RedisErrc::cancelled);
  EXPECT_EQ(text({"EXISTS", "never"}), "0");
}

TEST_F(RedisWaiting, CancellationAfterTheReplyChangesNothing) {
  connect(config_for(redis));
  util::Cancellation cancellation;
  const RedisResult result = run(io, client->command({"INCR", "once"}, &cancellation));
  EXPECT_EQ(describe(result), "1");
  cancellation.cancel();  // the registration was cleared: nothing to run
  EXPECT_EQ(text({"GET", "once"}), "1");
}

}  // namespace
}  // namespace apigw::test
