// [tracing]: parsed through the whole loader, so positions, unknown keys and env overrides are
// the real ones.
#include <gtest/gtest.h>

#include "config/test_support.h"

namespace apigw::config {
namespace {

using namespace std::chrono_literals;
using testing::all_errors;
using testing::find_error;
using testing::kMinimalConfig;
using testing::load_minimal_plus;
using testing::load_text;

// kMinimalConfig ends with line 16; the extra text opens with an empty line: [tracing] is line 18.
constexpr std::uint32_t kTracingLine = 18;

const TracingConfig& tracing_of(const LoadResult& result) {
  static const TracingConfig kNone;
  EXPECT_TRUE(result.config) << all_errors(result);
  return result.config ? result.config->tracing : kNone;
}

TEST(TracingConfig, AbsentSectionMeansNoTracing) {
  EXPECT_FALSE(tracing_of(load_text(kMinimalConfig)).enabled);
}

TEST(TracingConfig, TheEndpointAloneGivesTheDefaults) {
  const auto result =
      load_minimal_plus("\n[tracing]\notlp_endpoint = \"http://127.0.0.1:4318/v1/traces\"\n");
  const TracingConfig& tracing = tracing_of(result);
  EXPECT_TRUE(tracing.enabled);
  EXPECT_EQ(tracing.otlp_endpoint, "http://127.0.0.1:4318/v1/traces");
  EXPECT_DOUBLE_EQ(tracing.sample_ratio, 0.01);
  EXPECT_EQ(tracing.service_name, "apigw");
  EXPECT_EQ(tracing.export_timeout, 5s);
  EXPECT_EQ(tracing.flush_interval, 1s);
  EXPECT_EQ(tracing.batch_size, 512u);
  EXPECT_EQ(tracing.queue_size, 2048u);
  EXPECT_TRUE(tracing.headers.empty());
  EXPECT_EQ(tracing.position.line, kTracingLine);
}

TEST(TracingConfig, EveryKey) {
  const auto result = load_minimal_plus(R"(
[tracing]
otlp_endpoint = "https://collector.internal/v1/traces"
sample_ratio = 0.25
service_name = "edge"
export_timeout = "2s"
flush_interval = "500ms"
batch_size = 100
queue_size = 10000
headers = { "authorization" = "Bearer t" }
ca_file = "/etc/ssl/collector.pem"
)");
  const TracingConfig& tracing = tracing_of(result);
  EXPECT_DOUBLE_EQ(tracing.sample_ratio, 0.25);
  EXPECT_EQ(tracing.service_name, "edge");
  EXPECT_EQ(tracing.export_timeout, 2s);
  EXPECT_EQ(tracing.flush_interval, 500ms);
  EXPECT_EQ(tracing.batch_size, 100u);
  EXPECT_EQ(tracing.queue_size, 10000u);
  ASSERT_EQ(tracing.headers.size(), 1u);
  EXPECT_EQ(tracing.headers[0].first, "authorization");
  EXPECT_EQ(tracing.ca_file, "/etc/ssl/collector.pem");
  // Whole numbers are ratios too.
  EXPECT_DOUBLE_EQ(tracing_of(load_minimal_plus("\n[tracing]\notlp_endpoint = \"http://c\"\n"
                                                "sample_ratio = 1\n"))
                       .sample_ratio,
                   1.0);
}

TEST(TracingConfig, AFractionOverridesAWholeNumberFromTheFile) {
  Environment env;
  env.variables["APIGW__TRACING__SAMPLE_RATIO"] = "0.25";
  const auto result = load_minimal_plus(
      "\n[tracing]\notlp_endpoint = \"http://collector:4318/v1/traces\"\nsample_ratio = 1\n", env);
  EXPECT_DOUBLE_EQ(tracing_of(result).sample_ratio, 0.25);
}

TEST(TracingConfig, TheEnvironmentOverridesTheRatio) {
  Environment env;
  env.variables["APIGW__TRACING__SAMPLE_RATIO"] = "0.5";
  const auto result =
      load_minimal_plus("\n[tracing]\notlp_endpoint = \"http://collector:4318/v1/traces\"\n", env);
  EXPECT_DOUBLE_EQ(tracing_of(result).sample_ratio, 0.5);
}

TEST(TracingConfig, BadValuesAreReportedAtTheirLines) {
  const auto result = load_minimal_plus(R"(
[tracing]
otlp_endpoint = "collector:4318"
sample_ratio = 1.5
batch_size = 0
queue_size = 1
flush_interval = "0s"
service_name = ""
)");
  const ConfigError* endpoint = find_error(result, "'otlp_endpoint' must be an http:// or https://");
  ASSERT_NE(endpoint, nullptr) << all_errors(result);
  EXPECT_EQ(endpoint->position.line, kTracingLine + 1);
  const ConfigError* ratio = find_error(result, "'sample_ratio' must be from 0 to 1");
  ASSERT_NE(ratio, nullptr) << all_errors(result);
  EXPECT_EQ(ratio->position.line, kTracingLine + 2);
  EXPECT_NE(find_error(result, "'batch_size' must be 1 to 10000"), nullptr);
  EXPECT_NE(find_error(result, "'queue_size' must be 2 to 1000000"), nullptr);
  EXPECT_NE(find_error(result, "'flush_interval' must be greater than zero"), nullptr);
  EXPECT_NE(find_error(result, "'service_name' must not be empty"), nullptr);
  EXPECT_NE(find_error(load_minimal_plus("\n[tracing]\notlp_endpoint = \"http://c\"\n"
                                         "sample_ratio = \"all\"\n"),
                       "'sample_ratio' must be a number"),
            nullptr);
}

TEST(TracingConfig, TheEndpointIsRequiredAndUnknownKeysGetAHint) {
  EXPECT_NE(find_error(load_minimal_plus("\n[tracing]\nsample_ratio = 0.1\n"),
                       "missing required key 'otlp_endpoint' in [tracing]"),
            nullptr);
  const auto result = load_minimal_plus(
      "\n[tracing]\notlp_endpoint = \"http://c\"\nsample_rate = 0.1\n");
  const ConfigError* error = find_error(result, "unknown key 'sample_rate' in [tracing]");
  ASSERT_NE(error, nullptr) << all_errors(result);
  EXPECT_NE(error->message.find("did you mean 'sample_ratio'?"), std::string::npos);
  EXPECT_EQ(error->position.line, kTracingLine + 2);
}

}  // namespace
}  // namespace apigw::config
