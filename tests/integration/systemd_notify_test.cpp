// apigw under a Type=notify systemd unit: it says READY=1 once its listeners accept, RELOADING=1
// and READY=1 around every reload (refused ones too: the old config still serves), and STOPPING=1
// when it drains. The test plays systemd's part: a datagram socket named by NOTIFY_SOCKET.
#include <gtest/gtest.h>

#include <unistd.h>

#include <csignal>

#include "support/gateway.h"
#include "support/http_client.h"
#include "support/notify_socket.h"

namespace apigw::test {
namespace {

const std::string kConfig = R"(
[server]
listen = ["127.0.0.1:{port}"]
[admin]
listen = "127.0.0.1:{admin_port}"
[[routes]]
name = "hello"
match = { path_prefix = "/" }
handler = { name = "static", body = "hello" }
)";

bool has(const std::optional<std::string>& message, const std::string& line) {
  return message && ("\n" + *message + "\n").find("\n" + line) != std::string::npos;
}

TEST(SystemdNotify, ReadyOnceListeningReloadingAroundReloadsStoppingWhenDraining) {
  TempDir dir;
  NotifySocket notify(dir.path() + "/notify.sock");
  Gateway gateway(kConfig, {notify.environment()});

  const auto ready = notify.next();
  ASSERT_TRUE(has(ready, "READY=1")) << ready.value_or("(nothing)");
  EXPECT_TRUE(has(ready, "STATUS=serving on 127.0.0.1:" + std::to_string(gateway.port())))
      << *ready;
  EXPECT_EQ(http_get(gateway.port(), "/").status, 200);

  gateway.process().signal(SIGHUP);
  const auto reloading = notify.next();
  EXPECT_TRUE(has(reloading, "RELOADING=1")) << reloading.value_or("(nothing)");
  EXPECT_TRUE(has(reloading, "MONOTONIC_USEC=")) << reloading.value_or("(nothing)");
  const auto reloaded = notify.next();
  EXPECT_TRUE(has(reloaded, "READY=1")) << reloaded.value_or("(nothing)");
  EXPECT_TRUE(has(reloaded, "STATUS=config version 2")) << reloaded.value_or("(nothing)");

  // A changed file reloads too; a refused config still ends the reload with READY=1.
  gateway.write_config(kConfig + "unknown_key = 1\n");
  EXPECT_TRUE(has(notify.next(), "RELOADING=1"));
  const auto refused = notify.next();
  EXPECT_TRUE(has(refused, "READY=1")) << refused.value_or("(nothing)");
  EXPECT_NE(refused.value_or("").find("refused"), std::string::npos) << *refused;
  EXPECT_EQ(http_get(gateway.port(), "/").status, 200);

  gateway.process().signal(SIGTERM);
  const auto stopping = notify.next();
  EXPECT_TRUE(has(stopping, "STOPPING=1")) << stopping.value_or("(nothing)");
  EXPECT_EQ(gateway.process().wait(std::chrono::seconds(10)), 0);
}

TEST(SystemdNotify, AbstractSocketAddress) {
  NotifySocket notify("@apigw-notify-test-" + std::to_string(::getpid()));
  Gateway gateway(kConfig, {notify.environment()});
  const auto ready = notify.next();
  EXPECT_TRUE(has(ready, "READY=1")) << ready.value_or("(nothing)");
}

TEST(SystemdNotify, WithoutTheVariableNothingIsSentAndAllWorks) {
  // The same binary runs from a shell: no NOTIFY_SOCKET, no warning about it.
  Gateway gateway(kConfig);
  gateway.process().signal(SIGHUP);
  EXPECT_TRUE(gateway.wait_for_metric("apigw_config_version 2"));
  EXPECT_EQ(gateway.log().find("notify"), std::string::npos) << gateway.log();
}

}  // namespace
}  // namespace apigw::test
