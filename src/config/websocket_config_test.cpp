// A route's `websocket`: false, or a [routes.websocket] table; its defaults, every check with the
// line it points at, the route-deletion grace in [server.timeouts], and the admin API's JSON form.
#include <gtest/gtest.h>

#include "config/test_support.h"

namespace apigw::config {
namespace {

using testing::all_errors;
using testing::find_error;
using testing::load_minimal_plus;

// Appended to the minimal config (16 lines): the route's `websocket` starts on line 21.
std::string route_with(std::string_view websocket) {
  return "[[routes]]\nname = \"ws\"\nmatch = { path_prefix = \"/ws\" }\nupstream = \"backend\"\n" +
         std::string(websocket) + "\n";
}

TEST(ConfigWebSocket, DefaultsAreOnWithGenerousLimits) {
  const auto result = load_minimal_plus("");
  ASSERT_TRUE(result.config) << all_errors(result);
  const WebSocketConfig& websocket = result.config->routes[0].websocket;
  EXPECT_TRUE(websocket.enabled);
  EXPECT_EQ(websocket.idle_timeout, Duration{600'000});
  EXPECT_EQ(websocket.ping_interval, Duration{0});
  EXPECT_EQ(websocket.max_message_size, 16u << 20);
  EXPECT_EQ(websocket.max_connections, 0u);
  EXPECT_FALSE(websocket.max_duration.has_value());
  EXPECT_EQ(result.config->server.timeouts.websocket_route_grace, Duration{10'000});
}

TEST(ConfigWebSocket, ReadsTheTableAndFalse) {
  const auto table = load_minimal_plus(route_with(R"([routes.websocket]
idle_timeout = "90s"
ping_interval = "20s"
max_message_size = "64KiB"
max_connections = 5000
max_duration = "8h")"));
  ASSERT_TRUE(table.config) << all_errors(table);
  const WebSocketConfig& websocket = table.config->routes[1].websocket;
  EXPECT_TRUE(websocket.enabled);
  EXPECT_EQ(websocket.idle_timeout, Duration{90'000});
  EXPECT_EQ(websocket.ping_interval, Duration{20'000});
  EXPECT_EQ(websocket.max_message_size, 64u * 1024);
  EXPECT_EQ(websocket.max_connections, 5000u);
  EXPECT_EQ(websocket.max_duration, Duration{8 * 3'600'000});

  const auto off = load_minimal_plus(route_with("websocket = false"));
  ASSERT_TRUE(off.config) << all_errors(off);
  EXPECT_FALSE(off.config->routes[1].websocket.enabled);
  const auto off_in_table = load_minimal_plus(route_with("websocket = { enabled = false }"));
  ASSERT_TRUE(off_in_table.config) << all_errors(off_in_table);
  EXPECT_FALSE(off_in_table.config->routes[1].websocket.enabled);

  const auto grace = load_minimal_plus("[server.timeouts]\nwebsocket_route_grace = \"2s\"\n");
  ASSERT_TRUE(grace.config) << all_errors(grace);
  EXPECT_EQ(grace.config->server.timeouts.websocket_route_grace, Duration{2'000});
}

TEST(ConfigWebSocket, EachCheckPointsAtItsLine) {
  struct Refused {
    std::string websocket;
    std::string message;
    std::uint32_t line;
  };
  const std::vector<Refused> cases = {
      {"websocket = 3", "'websocket' must be false or a table of limits", 21},
      {"websocket = { idle_timeout = \"0s\" }", "'idle_timeout' must be greater than zero", 21},
      {"[routes.websocket]\nmax_message_size = 0", "'max_message_size' must be greater than zero",
       22},
      {"[routes.websocket]\nmax_duration = \"0s\"", "'max_duration' must be greater than zero",
       22},
      {"[routes.websocket]\nidle_timout = \"5s\"", "did you mean 'idle_timeout'?", 22},
      {"[routes.websocket]\nmax_connections = -1", "max_connections", 22},
  };
  for (const Refused& refused : cases) {
    SCOPED_TRACE(refused.websocket);
    const auto result = load_minimal_plus(route_with(refused.websocket));
    EXPECT_FALSE(result.config);
    const ConfigError* error = find_error(result, refused.message);
    ASSERT_NE(error, nullptr) << all_errors(result);
    EXPECT_EQ(error->position.line, refused.line) << error->to_string();
  }
}

}  // namespace
}  // namespace apigw::config
