// The "headers" filter end to end on the filter side: its settings go through the real config
// loader with the real filter registry, the registry builds the chain, and the chain adds the
// configured edits to a request context in both phases.
#include "filters/headers/headers_filter.h"
#include "pipeline/test_context.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "config/test_support.h"
#include "filters/registry.h"
#include "http/parser.h"
#include "pipeline/filter.h"

namespace apigw::filters {
namespace {

using config::testing::all_errors;

const Registry& registry() {
  static const Registry instance{};
  return instance;
}

// The minimal config whose last route gets `filters_line` (it lands on line 17).
config::LoadResult load_with(std::string_view filters_line) {
  return config::load_config_text(
      std::string(config::testing::kMinimalConfig) + std::string(filters_line) + "\n", "test.toml",
      {}, registry());
}

// "set a=1; remove b; ..." in the edits' order, so a whole edit list compares in one line.
std::string describe(const pipeline::HeaderEdits& edits) {
  std::string text;
  for (const auto& header : edits.set) text += "set " + header.name + "=" + header.value + "; ";
  for (const auto& name : edits.remove) text += "remove " + name + "; ";
  for (const auto* shared : edits.shared)
    text += describe(*shared);  // the filter's own, by reference
  return text;
}

// A request head parsed from a string literal (its views point into it).
http::RequestHead request_head() {
  http::RequestHead head;
  const auto result =
      http::parse_request_head("GET /users HTTP/1.1\r\nHost: api.example.com\r\n\r\n", {}, head);
  EXPECT_EQ(result.status, http::ParseStatus::complete);
  return head;
}

TEST(HeadersFilter, RegistryKnowsTheFilter) {
  const auto names = registry().filter_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "headers"), names.end());
}

TEST(HeadersFilter, SettingsAreParsedThroughTheLoader) {
  const auto result = load_with(
      R"(filters = [{ name = "headers", request_set = { "x-a" = "1", "x-env" = "prod" }, )"
      R"(request_remove = ["x-debug", "Cookie"], response_set = { "cache-control" = "no-store" }, )"
      R"(response_remove = ["server"] }])");
  ASSERT_TRUE(result.config) << all_errors(result);
  const auto& refs = result.config->routes[0].filters;
  ASSERT_EQ(refs.size(), 1u);
  EXPECT_EQ(refs[0].name, "headers");
  ASSERT_TRUE(refs[0].settings);
  const auto& settings = *static_cast<const headers::HeadersConfig*>(refs[0].settings.get());
  EXPECT_EQ(describe(settings.request),
            "set x-a=1; set x-env=prod; remove x-debug; remove Cookie; ");
  EXPECT_EQ(describe(settings.response), "set cache-control=no-store; remove server; ");
}

TEST(HeadersFilter, ChainAddsRequestEditsThenResponseEdits) {
  const auto result =
      load_with(R"(filters = [{ name = "headers", request_set = { "x-env" = "prod" }, )"
                R"(request_remove = ["x-debug"], response_set = { "cache-control" = "no-store" }, )"
                R"(response_remove = ["server", "x-powered-by"] }])");
  ASSERT_TRUE(result.config) << all_errors(result);
  const pipeline::FilterChain chain =
      registry().make_chain(result.config->routes[0].filters, *result.config);
  ASSERT_FALSE(chain.empty());

  const http::RequestHead head = request_head();
  pipeline::RequestContext ctx = pipeline::testing::context_for(head, "/users");
  EXPECT_EQ(chain.run_request_phase(ctx).verdict, pipeline::Verdict::next);
  EXPECT_FALSE(ctx.local_reply.has_value());
  EXPECT_EQ(describe(ctx.upstream_request_headers), "set x-env=prod; remove x-debug; ");
  EXPECT_TRUE(ctx.response_headers.empty());  // nothing for the response before its phase

  ctx.response_status = 200;
  chain.run_response_phase(ctx);
  EXPECT_EQ(describe(ctx.response_headers),
            "set cache-control=no-store; remove server; remove x-powered-by; ");
  EXPECT_EQ(describe(ctx.upstream_request_headers), "set x-env=prod; remove x-debug; ");
  EXPECT_TRUE(ctx.response_headers.overrides("Server"));
  EXPECT_TRUE(ctx.response_headers.overrides("Cache-Control"));
  EXPECT_FALSE(ctx.response_headers.overrides("Content-Type"));
}

TEST(HeadersFilter, TwoFiltersRunInChainOrderThenInReverse) {
  const auto result =
      load_with(R"(filters = [{ name = "headers", request_set = { "x-first" = "1" }, )"
                R"(response_set = { "x-first" = "r1" } }, )"
                R"({ name = "headers", request_set = { "x-second" = "2" }, )"
                R"(response_set = { "x-second" = "r2" } }])");
  ASSERT_TRUE(result.config) << all_errors(result);
  const pipeline::FilterChain chain =
      registry().make_chain(result.config->routes[0].filters, *result.config);
  const http::RequestHead head = request_head();
  pipeline::RequestContext ctx = pipeline::testing::context_for(head, "/users");
  EXPECT_EQ(chain.run_request_phase(ctx).verdict, pipeline::Verdict::next);
  chain.run_response_phase(ctx);
  EXPECT_EQ(describe(ctx.upstream_request_headers), "set x-first=1; set x-second=2; ");
  EXPECT_EQ(describe(ctx.response_headers), "set x-second=r2; set x-first=r1; ");
}

TEST(HeadersFilter, EditsAddToWhatIsAlreadyInTheContext) {
  headers::HeadersConfig settings;
  settings.request.set.push_back({"x-b", "2"});
  const headers::HeadersFilter filter(settings);
  const http::RequestHead head = request_head();
  pipeline::RequestContext ctx = pipeline::testing::context_for(head, "/users");
  ctx.upstream_request_headers.set.push_back({"x-a", "1"});
  EXPECT_EQ(filter.on_request(ctx), pipeline::Verdict::next);
  EXPECT_EQ(filter.on_request(ctx), pipeline::Verdict::next);  // no per-request state
  EXPECT_EQ(describe(ctx.upstream_request_headers), "set x-a=1; set x-b=2; set x-b=2; ");
}

TEST(HeadersFilter, NoSettingsIsValidAndEditsNothing) {
  const auto result = load_with(R"(filters = [{ name = "headers" }])");
  ASSERT_TRUE(result.config) << all_errors(result);
  const pipeline::FilterChain chain =
      registry().make_chain(result.config->routes[0].filters, *result.config);
  ASSERT_FALSE(chain.empty());
  const http::RequestHead head = request_head();
  pipeline::RequestContext ctx = pipeline::testing::context_for(head, "/users");
  EXPECT_EQ(chain.run_request_phase(ctx).verdict, pipeline::Verdict::next);
  chain.run_response_phase(ctx);
  EXPECT_TRUE(ctx.upstream_request_headers.empty());
  EXPECT_TRUE(ctx.response_headers.empty());
}

struct InvalidCase {
  std::string_view line;
  std::string_view error;  // the whole "file:line:col: message"
};

class HeadersFilterInvalid : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(HeadersFilterInvalid, IsRefusedWithItsPosition) {
  const auto result = load_with(GetParam().line);
  EXPECT_FALSE(result.config);
  ASSERT_EQ(result.errors.size(), 1u) << all_errors(result);
  EXPECT_EQ(result.errors[0].to_string(), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Settings, HeadersFilterInvalid,
    ::testing::Values(
        InvalidCase{R"(filters = [{ name = "headers", request_remove = ["x-ok", 7] }])",
                    "test.toml:17:58: 'request_remove' entries must be header names"},
        InvalidCase{R"(filters = [{ name = "headers", request_set = { "bad name" = "v" } }])",
                    "test.toml:17:61: invalid header name 'bad name'"},
        InvalidCase{R"(filters = [{ name = "headers", response_set = { "x-a" = 5 } }])",
                    "test.toml:17:57: header 'x-a' needs a printable string value"},
        InvalidCase{R"(filters = [{ name = "headers", request_set = { "x-a" = "a\u0001b" } }])",
                    "test.toml:17:56: header 'x-a' needs a printable string value"},
        InvalidCase{R"(filters = [{ name = "headers", response_set = ["x"] }])",
                    "test.toml:17:47: 'response_set' must be a table"},
        InvalidCase{R"(filters = [{ name = "headers", response_remove = "server" }])",
                    "test.toml:17:50: 'response_remove' must be an array"},
        InvalidCase{R"(filters = [{ name = "headers", respons_set = {} }])",
                    "test.toml:17:32: unknown key 'respons_set' in [[routes.filters]]; did you "
                    "mean 'response_set'?"},
        InvalidCase{R"(filters = [{ name = "headers", request_set = { "Content-Length" = "0" } }])",
                    "test.toml:17:67: header 'Content-Length' is managed by the gateway and "
                    "cannot be set or removed by a filter"},
        InvalidCase{R"(filters = [{ name = "headers", request_remove = ["x-forwarded-for"] }])",
                    "test.toml:17:50: header 'x-forwarded-for' is managed by the gateway and "
                    "cannot be set or removed by a filter"},
        InvalidCase{
            R"(filters = [{ name = "headers", response_set = { "transfer-encoding" = "x" } }])",
            "test.toml:17:71: header 'transfer-encoding' is managed by the gateway and "
            "cannot be set or removed by a filter"}));

TEST(HeadersFilter, EveryBadSettingIsReportedAndTheFilterIsNotKept) {
  const auto result = load_with(
      R"(filters = [{ name = "headers", request_set = { "bad name" = "v" }, request_remove = [1] }])");
  EXPECT_FALSE(result.config);
  ASSERT_EQ(result.errors.size(), 2u) << all_errors(result);
  const auto* name = config::testing::find_error(result, "invalid header name 'bad name'");
  ASSERT_TRUE(name) << all_errors(result);
  EXPECT_EQ(name->position.line, 17u);
  EXPECT_EQ(name->position.column, 61u);
  const auto* entry =
      config::testing::find_error(result, "'request_remove' entries must be header names");
  ASSERT_TRUE(entry) << all_errors(result);
  EXPECT_EQ(entry->position.column, 86u);
}

}  // namespace
}  // namespace apigw::filters
