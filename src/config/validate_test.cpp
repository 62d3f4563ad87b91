#include <gtest/gtest.h>

#include "config/test_support.h"

namespace apigw::config {
namespace {

using testing::all_errors;
using testing::find_error;
using testing::load_minimal_plus;
using testing::load_text;

// Expects exactly one error containing `fragment` and returns it.
ConfigError single_error(const LoadResult& result, std::string_view fragment) {
  EXPECT_FALSE(result.config);
  EXPECT_EQ(result.errors.size(), 1u) << all_errors(result);
  const ConfigError* error = find_error(result, fragment);
  EXPECT_TRUE(error) << "no error containing: " << fragment << "\n" << all_errors(result);
  return error != nullptr ? *error : ConfigError{};
}

TEST(ConfigValidate, DuplicateUpstreamNamesPointAtTheSecond) {
  const auto result = load_minimal_plus(R"(
[[upstreams]]
name = "backend"
targets = [{ address = "127.0.0.1:9002" }]
)");
  const auto error = single_error(result, "duplicate upstream name 'backend'");
  EXPECT_EQ(error.position.line, 19u);
  EXPECT_NE(error.message.find("first defined at test.toml:10:8"), std::string::npos);
}

TEST(ConfigValidate, DuplicateRouteNames) {
  const auto result = load_minimal_plus("[[routes]]\nname = \"all\"\nupstream = \"backend\"\n");
  single_error(result, "duplicate route name 'all'");
}

TEST(ConfigValidate, RouteMustNameADefinedUpstreamWithAHint) {
  const auto result = load_minimal_plus("[[routes]]\nname = \"r2\"\nupstream = \"backnd\"\n");
  const auto error = single_error(
      result, "route 'r2' names upstream 'backnd' which is not defined; did you mean 'backend'?");
  EXPECT_EQ(error.position.line, 19u);
  EXPECT_EQ(error.position.column, 12u);
}

TEST(ConfigValidate, AtLeastOneListenAddress) {
  single_error(load_text("[server]\nlisten = []\n"), "'listen' needs at least one address");
}

TEST(ConfigValidate, ListenAddressesMustParse) {
  const auto error = single_error(load_text("[server]\nlisten = [\"0.0.0.0:80\", \"nowhere\"]\n"),
                                  "invalid listen address 'nowhere'");
  EXPECT_EQ(error.position.line, 2u);
  EXPECT_EQ(error.position.column, 25u);
}

TEST(ConfigValidate, AdminListenMustParse) {
  single_error(load_text("[admin]\nlisten = \"127.0.0.1:99999\"\n"),
               "invalid admin listen address '127.0.0.1:99999'");
}

TEST(ConfigValidate, TargetAddressesMustParse) {
  const auto result = load_text(R"(
[[upstreams]]
name = "u"
targets = [{ address = "backend:0" }]
)");
  const auto error = single_error(result, "invalid target address 'backend:0'");
  EXPECT_EQ(error.position.line, 4u);
}

TEST(ConfigValidate, DuplicateTargetInOneUpstream) {
  single_error(load_text(R"(
[[upstreams]]
name = "u"
targets = [{ address = "a.internal:80" }, { address = "A.internal:80" }]
)"),
               "duplicate target 'A.internal:80' in upstream 'u'");
}

TEST(ConfigValidate, UpstreamNeedsTargets) {
  single_error(load_text("[[upstreams]]\nname = \"u\"\n"),
               "upstream 'u' needs at least one target");
  single_error(load_text("[[upstreams]]\nname = \"u\"\ntargets = []\n"),
               "upstream 'u' needs at least one target");
}

TEST(ConfigValidate, UpstreamNameCharacters) {
  single_error(
      load_text("[[upstreams]]\nname = \"my backend\"\ntargets = [{ address = \"h:1\" }]\n"),
      "invalid upstream name 'my backend'");
}

TEST(ConfigValidate, WeightRange) {
  const auto result = load_text(R"(
[[upstreams]]
name = "u"
targets = [{ address = "a:1", weight = 0 }, { address = "b:1", weight = 1001 }]
)");
  EXPECT_EQ(result.errors.size(), 2u) << all_errors(result);
  EXPECT_TRUE(find_error(result, "'weight' must be between 1 and 1000"));
}

TEST(ConfigValidate, TimeoutsMustBePositive) {
  const auto result = load_text(R"(
[server.timeouts]
idle = "0s"
[[upstreams]]
name = "u"
targets = [{ address = "a:1" }]
connect_timeout = "0ms"
keepalive = { idle_timeout = "0s" }
[[routes]]
name = "r"
upstream = "u"
timeout = "0s"
)");
  EXPECT_TRUE(find_error(result, "'idle' must be greater than zero"));
  EXPECT_TRUE(find_error(result, "'connect_timeout' must be greater than zero"));
  EXPECT_TRUE(find_error(result, "'idle_timeout' must be greater than zero"));
  EXPECT_TRUE(find_error(result, "'timeout' must be greater than zero"));
  EXPECT_EQ(result.errors.size(), 4u) << all_errors(result);
}

TEST(ConfigValidate, LimitsMustBePositive) {
  const auto result = load_text("[server.limits]\nmax_body_bytes = 0\nmax_connections = 0\n");
  EXPECT_TRUE(find_error(result, "'max_body_bytes' must be greater than zero"));
  EXPECT_TRUE(find_error(result, "'max_connections' must be greater than zero"));
  EXPECT_EQ(result.errors.size(), 2u) << all_errors(result);
}

TEST(ConfigValidate, AtMost256Workers) {
  EXPECT_TRUE(load_text("[server]\nworkers = 256\n").config);
  const auto error = single_error(load_text("[server]\nworkers = 257\n"), "at most 256");
  EXPECT_EQ(error.position.line, 2u);
}

TEST(ConfigValidate, PathTemplatesMustParse) {
  const auto error =
      single_error(load_minimal_plus("[[routes]]\nname = \"t\"\nupstream = \"backend\"\n"
                                     "match = { path_template = \"/users/{}\" }\n"),
                   "invalid path_template '/users/{}': empty parameter name");
  EXPECT_EQ(error.position.line, 20u);
}

TEST(ConfigValidate, PathsMustStartWithSlash) {
  single_error(load_minimal_plus("[[routes]]\nname = \"p\"\nupstream = \"backend\"\n"
                                 "match = { path = \"users\" }\n"),
               "'path' must start with '/'");
}

TEST(ConfigValidate, RewriteTemplateParamsMustBeCaptured) {
  const auto ok = load_minimal_plus(R"(
[[routes]]
name = "t"
upstream = "backend"
match = { path_template = "/users/{id}/posts/{post}" }
rewrite = { template = "/p/{post}/u/{id}" }
)");
  EXPECT_TRUE(ok.config) << all_errors(ok);
  single_error(load_minimal_plus(R"(
[[routes]]
name = "t"
upstream = "backend"
match = { path_template = "/users/{id}" }
rewrite = { template = "/u/{uid}" }
)"),
               "rewrite template uses '{uid}', which the route's path_template does not capture");
}

TEST(ConfigValidate, RewriteTemplateWithParamsNeedsATemplateMatch) {
  single_error(load_minimal_plus(R"(
[[routes]]
name = "t"
upstream = "backend"
match = { path_prefix = "/users" }
rewrite = { template = "/u/{id}" }
)"),
               "rewrite template uses '{id}'");
}

TEST(ConfigValidate, PrefixRewritesNeedAPrefixMatchAndASlash) {
  single_error(load_minimal_plus(R"(
[[routes]]
name = "x"
upstream = "backend"
match = { path = "/exact" }
rewrite = { strip_prefix = "/exact" }
)"),
               "'strip_prefix' needs a path_prefix match");
  single_error(load_minimal_plus(R"(
[[routes]]
name = "x"
upstream = "backend"
match = { path_prefix = "/api" }
rewrite = { replace_prefix = "v2" }
)"),
               "'replace_prefix' must start with '/'");
}

TEST(ConfigValidate, AccessLogNeedsAPathWhenEnabled) {
  single_error(load_text("[server.access_log]\nenabled = true\npath = \"\"\n"),
               "'path' must not be empty when the access log is enabled");
}

TEST(ConfigValidate, RequiredNamesMustNotBeEmpty) {
  const auto result = load_minimal_plus("[[routes]]\nname = \"r2\"\nupstream = \"\"\n");
  single_error(result, "needs exactly one of 'upstream' (proxy to it), 'upstreams'");
  const auto unnamed =
      load_minimal_plus("[[upstreams]]\nname = \"\"\ntargets = [{ address = \"127.0.0.1:1\" }]\n");
  single_error(unnamed, "'name' must not be empty");
}

TEST(ConfigValidate, ListenPortZeroIsRefused) {
  const auto result = load_text("[server]\nlisten = [\"127.0.0.1:0\"]\n");
  EXPECT_TRUE(find_error(result, "invalid listen address '127.0.0.1:0'")) << all_errors(result);
}

TEST(ConfigValidate, RoutePathsMustBeNormalized) {
  const auto result = load_minimal_plus(
      "[[routes]]\nname = \"r2\"\nmatch = { path_prefix = \"/a//b/../c\" }\nupstream = "
      "\"backend\"\n");
  single_error(result, "'path_prefix' must be a normalized path (did you mean '/a/c'?)");
  const auto encoded = load_minimal_plus(
      "[[routes]]\nname = \"r2\"\nmatch = { path = \"/%7Euser\" }\nupstream = \"backend\"\n");
  single_error(encoded, "did you mean '/~user'?");
}

TEST(ConfigValidate, FixedHostHeaderMustBeAHost) {
  const auto result = load_text(R"(
[[upstreams]]
name = "b"
targets = [{ address = "127.0.0.1:9001" }]
host_header = "evil\r\nX-Injected: 1"
)");
  EXPECT_TRUE(find_error(result, "invalid 'host_header' value")) << all_errors(result);
}

TEST(ConfigValidate, BalancerKeys) {
  const auto ok = load_text(R"(
[[upstreams]]
name = "b"
balancer = "consistent_hash"
hash_on = "header:X-User"
targets = [{ address = "127.0.0.1:9001" }, { address = "127.0.0.1:9002", backup = true }]
)");
  ASSERT_TRUE(ok.config) << all_errors(ok);
  const UpstreamConfig& upstream = ok.config->upstreams[0];
  EXPECT_EQ(upstream.balancer, BalancerKind::consistent_hash);
  EXPECT_EQ(upstream.hash_on.kind, HashOn::Kind::header);
  EXPECT_EQ(upstream.hash_on.name, "x-user");
  EXPECT_FALSE(upstream.targets[0].backup);
  EXPECT_TRUE(upstream.targets[1].backup);

  const auto unknown = load_text(
      "[[upstreams]]\nname = \"b\"\nbalancer = \"random\"\ntargets = [{ address = \"127.0.0.1:1\" "
      "}]\n");
  EXPECT_TRUE(find_error(unknown, "unknown balancer 'random' (round_robin, "))
      << all_errors(unknown);
  const auto without_hash = load_text(
      "[[upstreams]]\nname = \"b\"\nhash_on = \"client_ip\"\ntargets = [{ address = "
      "\"127.0.0.1:1\" }]\n");
  EXPECT_TRUE(find_error(without_hash, "'hash_on' needs balancer = \"consistent_hash\""))
      << all_errors(without_hash);
  const auto bad_key = load_text(
      "[[upstreams]]\nname = \"b\"\nbalancer = \"consistent_hash\"\nhash_on = \"header:\"\n"
      "targets = [{ address = \"127.0.0.1:1\" }]\n");
  EXPECT_TRUE(find_error(bad_key, "invalid 'hash_on' 'header:'")) << all_errors(bad_key);
}

TEST(ConfigValidate, HashOnParamNeedsTheRouteToCaptureIt) {
  const std::string upstream =
      "[[upstreams]]\nname = \"b\"\nbalancer = \"consistent_hash\"\nhash_on = \"param:id\"\n"
      "targets = [{ address = \"127.0.0.1:1\" }]\n";
  const auto captured = load_text(
      upstream +
      "[[routes]]\nname = \"r\"\nmatch = { path_template = \"/users/{id}\" }\nupstream = \"b\"\n");
  EXPECT_TRUE(captured.config) << all_errors(captured);
  const auto missing = load_text(
      upstream +
      "[[routes]]\nname = \"r\"\nmatch = { path_prefix = \"/users\" }\nupstream = \"b\"\n");
  EXPECT_TRUE(find_error(missing, "the route's path_template must capture {id}"))
      << all_errors(missing);
}

TEST(ConfigValidate, FallbackRules) {
  const auto empty =
      load_minimal_plus("[[routes]]\nname = \"r\"\nupstream = \"backend\"\nfallback = { }\n");
  EXPECT_TRUE(find_error(empty, "'fallback' needs at least one of")) << all_errors(empty);
  const auto unknown = load_minimal_plus(
      "[[routes]]\nname = \"r\"\nupstream = \"backend\"\nfallback = { upstream = \"backnd\" }\n");
  EXPECT_TRUE(find_error(unknown, "fallback upstream 'backnd' is not defined"))
      << all_errors(unknown);
  const auto same = load_minimal_plus(
      "[[routes]]\nname = \"r\"\nupstream = \"backend\"\nfallback = { upstream = \"backend\" }\n");
  EXPECT_TRUE(find_error(same, "must differ from the route's upstream")) << all_errors(same);
  const auto framing = load_minimal_plus(
      "[[routes]]\nname = \"r\"\nupstream = \"backend\"\n"
      "fallback = { status = 503, headers = { \"content-length\" = \"1\" } }\n");
  EXPECT_TRUE(find_error(framing, "fallback header 'content-length' is set by the gateway"))
      << all_errors(framing);
  const auto body_without_status = load_minimal_plus(
      "[[routes]]\nname = \"r\"\nupstream = \"backend\"\nfallback = { stale_if_error = \"1m\", "
      "body = \"x\" }\n");
  EXPECT_TRUE(find_error(body_without_status, "need a 'status'"))
      << all_errors(body_without_status);
}

}  // namespace
}  // namespace apigw::config

namespace apigw::config {
namespace {

// Failover by default (docs/resilience.md#failover): with nothing written, connect-failure
// ejection is on with its documented defaults and routes fail over; both can be turned off, and
// the ejection's keys are checked like outlier_detection's.
TEST(ConfigValidate, ConnectFailureEjectionAndFailoverDefaultsAndKeys) {
  const auto defaults = load_text(R"(
[[upstreams]]
name = "u"
targets = [{ address = "a:1" }]
[[routes]]
name = "r"
upstream = "u"
)");
  ASSERT_TRUE(defaults.config) << all_errors(defaults);
  const OutlierDetectionConfig& ejection = defaults.config->upstreams[0].connect_failure_ejection;
  EXPECT_TRUE(ejection.enabled);
  EXPECT_EQ(ejection.consecutive_failures, 1u);
  EXPECT_EQ(ejection.base_ejection_time, Duration{1'000});
  EXPECT_EQ(ejection.max_ejection_time, Duration{30'000});
  EXPECT_EQ(ejection.max_ejection_percent, 50u);
  EXPECT_TRUE(defaults.config->routes[0].retry.failover);

  const auto off = load_text(R"(
[[upstreams]]
name = "u"
targets = [{ address = "a:1" }]
connect_failure_ejection = { enabled = false }
[[routes]]
name = "r"
upstream = "u"
retry = { failover = false }
)");
  ASSERT_TRUE(off.config) << all_errors(off);
  EXPECT_FALSE(off.config->upstreams[0].connect_failure_ejection.enabled);
  EXPECT_FALSE(off.config->routes[0].retry.failover);

  const auto bad = load_text(R"(
[[upstreams]]
name = "u"
targets = [{ address = "a:1" }]
connect_failure_ejection = { max_ejection_percent = 101, base_ejection_time = "5s", max_ejection_time = "1s" }
)");
  EXPECT_TRUE(find_error(bad, "'max_ejection_percent' must be 0-100")) << all_errors(bad);
  EXPECT_TRUE(find_error(bad, "'max_ejection_time' must be at least 'base_ejection_time'"))
      << all_errors(bad);
  const auto unknown = load_text(R"(
[[upstreams]]
name = "u"
targets = [{ address = "a:1" }]
connect_failure_ejection = { consecutive_failure = 2 }
)");
  EXPECT_TRUE(find_error(unknown, "consecutive_failure")) << all_errors(unknown);
  EXPECT_FALSE(unknown.config);
}

}  // namespace
}  // namespace apigw::config
