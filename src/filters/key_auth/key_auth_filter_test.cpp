// The "key_auth" filter through the real loader and registry: consumers and credentials from a
// config, keys checked by hash, the consumer passed upstream, the key hidden.
#include "filters/key_auth/key_auth_filter.h"
#include "pipeline/test_context.h"

#include <gtest/gtest.h>

#include "config/test_support.h"
#include "filters/registry.h"
#include "http/parser.h"

namespace apigw::filters {
namespace {

using config::testing::all_errors;

const Registry& registry() {
  static const Registry instance{};
  return instance;
}

config::LoadResult load_with(std::string_view filters_line, std::string_view entities = R"(
[[consumers]]
name = "alice"

[[credentials]]
name = "alice-key"
consumer = "alice"
type = "api_key"
key = "k-0123456789abcdef"
)") {
  // kMinimalConfig ends inside its [[routes]] table: the filters line belongs to that route.
  return config::load_config_text(std::string(config::testing::kMinimalConfig) +
                                      std::string(filters_line) + "\n" + std::string(entities),
                                  "test.toml", {}, registry());
}

TEST(KeyAuthFilter, AcceptsAConsumersKeyAndPassesTheConsumerOn) {
  const auto result = load_with(R"(filters = [{ name = "key_auth" }])");
  ASSERT_TRUE(result.config) << all_errors(result);
  const auto chain = registry().make_chain(result.config->routes[0].filters, *result.config);
  http::RequestHead head;
  ASSERT_EQ(
      http::parse_request_head("GET / HTTP/1.1\r\nHost: h\r\nX-API-Key: k-0123456789abcdef\r\n"
                               "X-Consumer-Name: forged\r\n\r\n",
                               {}, head)
          .status,
      http::ParseStatus::complete);
  pipeline::RequestContext ctx = pipeline::testing::context_for(head, "/");
  EXPECT_EQ(chain.run_request_phase(ctx).verdict, pipeline::Verdict::next);
  ASSERT_EQ(ctx.upstream_request_headers.set.size(), 1u);
  EXPECT_EQ(ctx.upstream_request_headers.set[0].name, "x-consumer-name");
  EXPECT_EQ(ctx.upstream_request_headers.set[0].value, "alice");
  EXPECT_TRUE(ctx.upstream_request_headers.overrides("X-Consumer-Name")) << "no forged copy";
  EXPECT_TRUE(ctx.upstream_request_headers.overrides("x-api-key")) << "the key stays here";
}

TEST(KeyAuthFilter, RefusesMissingAndUnknownKeysWith401) {
  const auto result = load_with(R"(filters = [{ name = "key_auth", header = "X-Key" }])");
  ASSERT_TRUE(result.config) << all_errors(result);
  const auto chain = registry().make_chain(result.config->routes[0].filters, *result.config);
  for (const std::string_view request :
       {"GET / HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX-Key: k-0123456789abcdeX\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX-API-Key: k-0123456789abcdef\r\n\r\n"}) {
    http::RequestHead head;
    ASSERT_EQ(http::parse_request_head(request, {}, head).status, http::ParseStatus::complete);
    pipeline::RequestContext ctx = pipeline::testing::context_for(head, "/");
    EXPECT_EQ(chain.run_request_phase(ctx).verdict, pipeline::Verdict::stop) << request;
    ASSERT_TRUE(ctx.local_reply);
    EXPECT_EQ(ctx.local_reply->status, 401);
    EXPECT_EQ(ctx.local_reply->headers.at(0).value, "ApiKey header=\"x-key\"");
  }
}

TEST(KeyAuthFilter, SettingsAreChecked) {
  const auto result = load_with(
      R"(filters = [{ name = "key_auth", header = "content-length", hide_credentials = 1, x = 2 }])");
  EXPECT_FALSE(result.config);
  const std::string errors = all_errors(result);
  EXPECT_NE(errors.find("cannot be 'content-length'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("'hide_credentials' must be true or false"), std::string::npos) << errors;
  EXPECT_NE(errors.find("unknown key 'x'"), std::string::npos) << errors;
}

}  // namespace
}  // namespace apigw::filters
