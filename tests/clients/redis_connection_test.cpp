// The Redis client's connection handling against a real redis-server: AUTH and SELECT, refused
// credentials, a server that dies and comes back.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "clients/redis_test_helpers.h"

namespace apigw::test {
namespace {

class RedisConnecting : public RedisClientTest {};

TEST_F(RedisConnecting, AuthAndSelectBeforeAnyCommand) {
  TestRedis redis("s3cret-pass");
  connect(config_for(redis, "s3cret-pass", 3));
  EXPECT_EQ(text({"SET", "where", "db3"}), "OK");
  EXPECT_EQ(redis.cli({"-n", "3", "GET", "where"}), "db3");
  EXPECT_EQ(redis.cli({"-n", "0", "EXISTS", "where"}), "0");  // not visible in db 0
  EXPECT_NE(text({"CLIENT", "INFO"}).find(" db=3 "), std::string::npos);
}

TEST_F(RedisConnecting, AuthWithAUsername) {
  TestRedis redis("admin-pass");
  ASSERT_EQ(redis.cli({"ACL", "SETUSER", "limiter", "on", ">limiter-pass", "~*", "+@all"}), "OK");
  auto config = config_for(redis, "limiter-pass");
  config.username = "limiter";
  connect(config);
  EXPECT_EQ(text({"ACL", "WHOAMI"}), "limiter");
}

TEST_F(RedisConnecting, WrongPasswordIsAClearErrorNotAHang) {
  TestRedis redis("right-pass");
  client = std::make_unique<RedisClient>(io.get_executor(), config_for(redis, "wrong-pass"));
  client->start();
  // Issued while the first attempt is under way: it waits for it, and fails with it.
  const auto started = std::chrono::steady_clock::now();
  const RedisResult first = run(io, client->command({"PING"}));
  ASSERT_FALSE(first) << describe(first);
  EXPECT_EQ(first.error(), RedisErrc::connect_failed);
  EXPECT_NE(first.message().find("AUTH refused"), std::string::npos) << first.message();
  EXPECT_NE(first.message().find("WRONGPASS"), std::string::npos) << first.message();
  // Issued while backing off: fails at once, saying why.
  const RedisResult second = run(io, client->command({"PING"}));
  ASSERT_FALSE(second) << describe(second);
  EXPECT_EQ(second.error(), RedisErrc::not_connected);
  EXPECT_NE(second.message().find("AUTH refused"), std::string::npos) << second.message();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 900ms);
  EXPECT_EQ(client->connected(), 0u);
  EXPECT_EQ(client->counters().errors, 2u);
}

TEST_F(RedisConnecting, NoServerFailsFast) {
  config::RedisConfig config;
  config.enabled = true;
  config.host = "127.0.0.1";
  config.port = static_cast<std::uint16_t>(free_port());  // nothing listens there
  config.pool_size = 1;
  client = std::make_unique<RedisClient>(io.get_executor(), config);
  client->start();
  const auto started = std::chrono::steady_clock::now();
  const RedisResult result = run(io, client->command({"PING"}));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), RedisErrc::connect_failed);
  EXPECT_NE(result.message().find("cannot connect"), std::string::npos) << result.message();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms);
}

// A listening socket that never accepts: TCP connects (the kernel's backlog), nothing answers.
class SilentListener {
 public:
  SilentListener() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("cannot listen");
    }
    port_ = ntohs(address.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  std::uint16_t port() const { return port_; }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

TEST_F(RedisConnecting, ASilentServerFailsTheAttemptAtConnectTimeout) {
  SilentListener silent;
  config::RedisConfig config;
  config.enabled = true;
  config.host = "127.0.0.1";
  config.port = silent.port();
  config.password = "secret";  // AUTH is sent, and its reply never comes
  config.connect_timeout = 300ms;
  config.timeout = 5s;
  config.pool_size = 1;
  client = std::make_unique<RedisClient>(io.get_executor(), config);
  client->start();
  const auto started = std::chrono::steady_clock::now();
  const RedisResult result = run(io, client->command({"PING"}));
  const auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), RedisErrc::connect_failed);
  EXPECT_NE(result.message().find("within connect_timeout (300 ms)"), std::string::npos)
      << result.message();
  EXPECT_GE(waited, 250ms);
  EXPECT_LT(waited, 2s);
}

TEST_F(RedisConnecting, ServerKilledFailsCommandsInFlightAndNewOnes) {
  TestRedis redis;
  auto config = config_for(redis);
  config.timeout = 10s;  // only the lost connection may end the BLPOP below
  config.reconnect_max = 5s;
  connect(config);
  Started<RedisResult> blocked(io, client->command({"BLPOP", "empty-list", "8"}));
  run_for(io, 100ms);  // written and blocking on the server
  ASSERT_FALSE(blocked.done());
  redis.stop();
  const auto killed = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until(
      io, [&] { return blocked.done(); }, 3s));
  EXPECT_LT(std::chrono::steady_clock::now() - killed, 1s);
  ASSERT_FALSE(blocked.get()) << describe(blocked.get());
  EXPECT_EQ(blocked.get().error(), RedisErrc::connection_lost);
  EXPECT_NE(blocked.get().message().find("may have run"), std::string::npos);
  // New commands fail too, and soon, rather than wait for a server that is gone.
  for (int i = 0; i < 3; ++i) {
    const auto issued = std::chrono::steady_clock::now();
    const RedisResult next = run(io, client->command({"PING"}));
    ASSERT_FALSE(next) << describe(next);
    EXPECT_TRUE(next.error() == RedisErrc::connect_failed ||
                next.error() == RedisErrc::not_connected)
        << describe(next);
    EXPECT_LT(std::chrono::steady_clock::now() - issued, 500ms);
  }
}

TEST_F(RedisConnecting, ReconnectsAfterTheServerComesBack) {
  TestRedis redis;
  connect(config_for(redis, "", 2));
  EXPECT_EQ(text({"SET", "before", "1"}), "OK");
  redis.stop();
  const RedisResult during = command({"GET", "before"});
  EXPECT_FALSE(during) << describe(during);
  run_for(io, 300ms);  // a few failed attempts, backing off
  redis.start();       // empty again: nothing was saved
  ASSERT_TRUE(run_until(
      io, [&] { return client->connected() == 1; }, 3s))
      << "no reconnect within 3 s";
  EXPECT_EQ(text({"SET", "after", "2"}), "OK");
  // The new connection selected db 2 again.
  EXPECT_EQ(redis.cli({"-n", "2", "GET", "after"}), "2");
  EXPECT_GE(client->counters().reconnects, 1u);
}

TEST_F(RedisConnecting, ClosingTheClientEndsWaitingCommands) {
  TestRedis redis;
  auto config = config_for(redis);
  config.timeout = 10s;
  connect(config);
  Started<RedisResult> blocked(io, client->command({"BLPOP", "empty-list", "8"}));
  run_for(io, 50ms);
  client->close();
  ASSERT_TRUE(run_until(
      io, [&] { return blocked.done(); }, 1s));
  ASSERT_FALSE(blocked.get());
  EXPECT_EQ(blocked.get().error(), RedisErrc::closed);
  const RedisResult after = command({"PING"});
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error(), RedisErrc::closed);
}

}  // namespace
}  // namespace apigw::test
