// A route's weighted split (`upstreams`, `sticky`): what is read, and every error with the place
// it points at.
#include <gtest/gtest.h>

#include "config/test_support.h"

namespace apigw::config {
namespace {

using testing::all_errors;
using testing::find_error;
using testing::load_text;

// The minimal config's upstream "backend", two more ("canary", "blue") and `routes` after them.
std::string with_upstreams(std::string_view routes) {
  return std::string(testing::kMinimalConfig) + R"(
[[upstreams]]
name = "canary"
targets = [{ address = "127.0.0.1:9002" }]

[[upstreams]]
name = "blue"
targets = [{ address = "127.0.0.1:9003" }]
)" + std::string(routes);
}

// The 1-based line of the first `needle` in `text`.
std::uint32_t line_of(std::string_view text, std::string_view needle) {
  const std::size_t at = text.find(needle);
  EXPECT_NE(at, std::string_view::npos) << needle;
  return 1 + static_cast<std::uint32_t>(std::count(text.begin(), text.begin() + at, '\n'));
}

// Expects an error containing `fragment` on the line of `needle`, and (`alone`) no other error.
void single_error_at(std::string_view routes, std::string_view fragment, std::string_view needle,
                     bool alone = true) {
  const std::string text = with_upstreams(routes);
  const auto result = load_text(text);
  EXPECT_FALSE(result.config);
  if (alone) {
    EXPECT_EQ(result.errors.size(), 1u) << all_errors(result);
  }
  const ConfigError* error = find_error(result, fragment);
  ASSERT_TRUE(error) << "no error containing: " << fragment << "\n" << all_errors(result);
  EXPECT_EQ(error->position.line, line_of(text, needle)) << error->to_string();
}

TEST(ConfigSplits, ReadsTheArmsInOrderWithTheirWeightsAndTheStickyKey) {
  const auto result = load_text(with_upstreams(R"(
[[routes]]
name = "orders"
match = { path_prefix = "/orders" }
upstreams = [{ name = "backend", weight = 90 }, { name = "canary", weight = 10 }, { name = "blue" }]
sticky = "header:X-User"

[[routes]]
name = "by-cookie"
match = { path_prefix = "/c" }
upstreams = [{ name = "backend", weight = 0 }, { name = "canary", weight = 1000 }]
sticky = "cookie:Session"

[[routes]]
name = "by-client"
match = { path_prefix = "/ip" }
upstreams = [{ name = "canary" }]
sticky = "client_ip"
)"));
  ASSERT_TRUE(result.config) << all_errors(result);
  const RouteConfig& orders = result.config->routes[1];
  EXPECT_TRUE(orders.upstream.empty());
  ASSERT_EQ(orders.upstreams.size(), 3u);
  EXPECT_EQ(orders.upstreams[0].name, "backend");
  EXPECT_EQ(orders.upstreams[0].weight, 90u);
  EXPECT_EQ(orders.upstreams[1].name, "canary");
  EXPECT_EQ(orders.upstreams[1].weight, 10u);
  EXPECT_EQ(orders.upstreams[2].weight, 1u) << "the default weight";
  ASSERT_TRUE(orders.sticky);
  EXPECT_EQ(orders.sticky->kind, HashOn::Kind::header);
  EXPECT_EQ(orders.sticky->name, "x-user") << "header names are lower-cased";
  const RouteConfig& by_cookie = result.config->routes[2];
  EXPECT_EQ(by_cookie.upstreams[0].weight, 0u);
  ASSERT_TRUE(by_cookie.sticky);
  EXPECT_EQ(by_cookie.sticky->kind, HashOn::Kind::cookie);
  EXPECT_EQ(by_cookie.sticky->name, "Session") << "cookie names are case-sensitive";
  ASSERT_TRUE(result.config->routes[3].sticky);
  EXPECT_EQ(result.config->routes[3].sticky->kind, HashOn::Kind::client_ip);
  EXPECT_FALSE(result.config->routes[0].sticky);
}

TEST(ConfigSplits, ARouteTakesExactlyOneOfUpstreamUpstreamsOrHandler) {
  const std::string_view message =
      "route 'r' needs exactly one of 'upstream' (proxy to it), 'upstreams' (split among them) or "
      "'handler' (the gateway answers)";
  single_error_at(R"(
[[routes]]
name = "r"
upstream = "backend"
upstreams = [{ name = "canary" }]
)",
                  message, "[[routes]]\nname = \"r\"");
  single_error_at(R"(
[[routes]]
name = "r"
upstreams = [{ name = "canary" }]
handler = { name = "static" }
)",
                  message, "[[routes]]\nname = \"r\"",
                  /*alone=*/false);  // this test's catalog knows no handler: one more error
}

TEST(ConfigSplits, UpstreamsTakesOneToSixteenEntries) {
  single_error_at("[[routes]]\nname = \"r\"\nupstreams = []\n", "'upstreams' takes 1 to 16 entries",
                  "upstreams = []");
  std::string seventeen = "[[routes]]\nname = \"r\"\nupstreams = [";
  for (int i = 0; i < 17; ++i) seventeen += "{ name = \"backend\" },";
  seventeen += "]\n";
  const auto result = load_text(with_upstreams(seventeen));
  EXPECT_TRUE(find_error(result, "'upstreams' takes 1 to 16 entries")) << all_errors(result);
}

TEST(ConfigSplits, AnUpstreamAppearsOnceAndPointsAtItsSecondMention) {
  single_error_at(R"(
[[routes]]
name = "r"
upstreams = [
  { name = "backend", weight = 5 },
  { name = "backend", weight = 1 },
]
)",
                  "upstream 'backend' appears twice in 'upstreams'",
                  "{ name = \"backend\", weight = 1 }");
}

TEST(ConfigSplits, WeightsAreIntegersFrom0To1000NotAllZero) {
  single_error_at("[[routes]]\nname = \"r\"\nupstreams = [{ name = \"backend\", weight = 1001 }]\n",
                  "'weight' must be between 0 and 1000", "upstreams = ");
  single_error_at("[[routes]]\nname = \"r\"\nupstreams = [{ name = \"backend\", weight = -1 }]\n",
                  "'weight' must not be negative", "upstreams = ");
  single_error_at("[[routes]]\nname = \"r\"\nupstreams = [{ name = \"backend\", weight = 0.5 }]\n",
                  "'weight' must be an integer", "upstreams = ");
  single_error_at(R"(
[[routes]]
name = "r"
upstreams = [{ name = "backend", weight = 0 }, { name = "canary", weight = 0 }]
)",
                  "the weights of 'upstreams' add up to 0", "upstreams = ");
}

TEST(ConfigSplits, AnUnknownUpstreamIsNamedWithAHint) {
  single_error_at(R"(
[[routes]]
name = "r"
upstreams = [
  { name = "backend", weight = 9 },
  { name = "canery", weight = 1 },
]
)",
                  "route 'r' names upstream 'canery' which is not defined; did you mean 'canary'?",
                  "{ name = \"canery\"");
}

TEST(ConfigSplits, EntriesHaveANameAndNoOtherKeysThanWeight) {
  const auto result = load_text(with_upstreams(R"(
[[routes]]
name = "r"
upstreams = [{ weight = 1 }, { name = "canary", wieght = 2 }, "blue"]
)"));
  EXPECT_TRUE(find_error(result, "missing required key 'name'")) << all_errors(result);
  EXPECT_TRUE(find_error(result, "unknown key 'wieght'")) << all_errors(result);
  EXPECT_TRUE(find_error(result, "did you mean 'weight'?")) << all_errors(result);
  EXPECT_TRUE(find_error(result, "each element of 'upstreams' must be a table"))
      << all_errors(result);
}

TEST(ConfigSplits, StickyIsAClientIpHeaderOrCookieKeyOfASplit) {
  single_error_at("[[routes]]\nname = \"r\"\nupstream = \"backend\"\nsticky = \"client_ip\"\n",
                  "'sticky' needs 'upstreams'", "sticky = ");
  for (const char* bad : {"param:id", "cookie:", "ip", "header"}) {
    SCOPED_TRACE(bad);
    single_error_at("[[routes]]\nname = \"r\"\nupstreams = [{ name = \"backend\" }]\nsticky = \"" +
                        std::string(bad) + "\"\n",
                    "invalid 'sticky' '" + std::string(bad) +
                        "' (\"client_ip\", \"header:NAME\" or \"cookie:NAME\")",
                    "sticky = ");
  }
}

TEST(ConfigSplits, TheFallbackUpstreamIsNoneOfTheArms) {
  single_error_at(R"(
[[routes]]
name = "r"
upstreams = [{ name = "backend" }, { name = "canary" }]
fallback = { upstream = "canary" }
)",
                  "the fallback upstream must differ from every upstream of 'upstreams'",
                  "fallback = ");
  const auto other = load_text(with_upstreams(R"(
[[routes]]
name = "r"
upstreams = [{ name = "backend" }, { name = "canary" }]
fallback = { upstream = "blue" }
)"));
  EXPECT_TRUE(other.config) << all_errors(other);
}

TEST(ConfigSplits, AnArmHashingOnAPathParameterNeedsTheRouteToCaptureIt) {
  const std::string upstream =
      "[[upstreams]]\nname = \"by-id\"\nbalancer = \"consistent_hash\"\nhash_on = \"param:id\"\n"
      "targets = [{ address = \"127.0.0.1:1\" }]\n";
  single_error_at(upstream + R"(
[[routes]]
name = "r"
match = { path_prefix = "/users" }
upstreams = [{ name = "backend" }, { name = "by-id" }]
)",
                  "route 'r' uses upstream 'by-id', which hashes on path parameter 'id'",
                  "upstreams = ");
  const auto captured = load_text(with_upstreams(upstream + R"(
[[routes]]
name = "r"
match = { path_template = "/users/{id}" }
upstreams = [{ name = "backend" }, { name = "by-id" }]
)"));
  EXPECT_TRUE(captured.config) << all_errors(captured);
}

}  // namespace
}  // namespace apigw::config
