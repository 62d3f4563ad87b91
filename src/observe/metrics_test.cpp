// Metrics: per-worker shards, their merge, and the Prometheus text page the admin API serves.
#include "observe/metrics.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace apigw::observe {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

bool has_line(const std::string& text, std::string_view wanted) {
  for (const auto& line : lines_of(text)) {
    if (line == wanted) return true;
  }
  return false;
}

// Lines that start with `prefix`.
int count_lines_starting(const std::string& text, std::string_view prefix) {
  int count = 0;
  for (const auto& line : lines_of(text)) count += line.starts_with(prefix) ? 1 : 0;
  return count;
}

std::string render(const MetricsShard::Values& values, const GatewayGauges& gauges = {}) {
  return render_prometheus(values, gauges);
}

TEST(Metrics, RequestCountersOfTwoShardsAreMerged) {
  MetricsShard a;
  MetricsShard b;
  a.route("users").record(http::Method::get, 200, 1000);
  a.route("users").record(http::Method::get, 201, 3000);
  b.route("users").record(http::Method::get, 204, 2000);
  b.route("users").record(http::Method::post, 503, 20000);
  b.route("orders").record(http::Method::trace, 404, 700);
  MetricsShard::Values merged;
  merged.merge(a.snapshot());
  merged.merge(b.snapshot());
  const std::string text = render(merged);
  EXPECT_TRUE(
      has_line(text, R"(apigw_requests_total{route="users",method="GET",status_class="2xx"} 3)"))
      << text;
  EXPECT_TRUE(
      has_line(text, R"(apigw_requests_total{route="users",method="POST",status_class="5xx"} 1)"))
      << text;
  EXPECT_TRUE(
      has_line(text, R"(apigw_requests_total{route="orders",method="OTHER",status_class="4xx"} 1)"))
      << text;
  // Zero series are left out, and nothing else was counted.
  EXPECT_EQ(count_lines_starting(text, "apigw_requests_total{"), 3) << text;
}

TEST(Metrics, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  MetricsShard a;
  MetricsShard b;
  a.route("users").record(http::Method::get, 200, 1000);   // 1 ms
  a.route("users").record(http::Method::get, 200, 3000);   // 3 ms
  b.route("users").record(http::Method::get, 200, 2000);   // 2 ms
  b.route("users").record(http::Method::put, 200, 20000);  // 20 ms
  MetricsShard::Values merged = a.snapshot();
  merged.merge(b.snapshot());
  const std::string text = render(merged);
  const std::string expected =
      "apigw_request_duration_seconds_bucket{route=\"users\",le=\"0.0005\"} 0\n"
      "apigw_request_duration_seconds_bucket{route=\"users\",le=\"0.001\"} 1\n"
      "apigw_request_duration_seconds_bucket{route=\"users\",le=\"0.0025\"} 2\n"
      "apigw_request_duration_seconds_bucket{route=\"users\",le=\"0.005\"} 3\n"
      "apigw_request_duration_seconds_bucket{route=\"users\",le=\"0.01\"} 3\n"
      "apigw_request_duration_seconds_bucket{route=\"users\",le=\"0.025\"} 4\n"
      "apigw_request_duration_seconds_bucket{route=\"users\",le=\"0.05\"} 4\n"
      "apigw_request_duration_seconds_bucket{route=\"users\",le=\"0.1\"} 4\n"
      "apigw_request_duration_seconds_bucket{route=\"users\",le=\"0.25\"} 4\n"
      "apigw_request_duration_seconds_bucket{route=\"users\",le=\"0.5\"} 4\n"
      "apigw_request_duration_seconds_bucket{route=\"users\",le=\"1\"} 4\n"
      "apigw_request_duration_seconds_bucket{route=\"users\",le=\"2.5\"} 4\n"
      "apigw_request_duration_seconds_bucket{route=\"users\",le=\"5\"} 4\n"
      "apigw_request_duration_seconds_bucket{route=\"users\",le=\"10\"} 4\n"
      "apigw_request_duration_seconds_bucket{route=\"users\",le=\"+Inf\"} 4\n"
      "apigw_request_duration_seconds_sum{route=\"users\"} 0.026\n"
      "apigw_request_duration_seconds_count{route=\"users\"} 4\n";
  EXPECT_NE(text.find(expected), std::string::npos) << text;
}

TEST(Metrics, BucketBoundsAreInclusiveAndSlowRequestsOnlyReachInf) {
  MetricsShard shard;
  RouteStats& stats = shard.route("slow");
  stats.record(http::Method::get, 200, 500);         // exactly 0.5 ms
  stats.record(http::Method::get, 200, 10'000'000);  // exactly 10 s
  stats.record(http::Method::get, 200, 11'000'000);  // beyond the last bound
  const std::string text = render(shard.snapshot());
  EXPECT_TRUE(
      has_line(text, R"(apigw_request_duration_seconds_bucket{route="slow",le="0.0005"} 1)"))
      << text;
  EXPECT_TRUE(has_line(text, R"(apigw_request_duration_seconds_bucket{route="slow",le="5"} 1)"))
      << text;
  EXPECT_TRUE(has_line(text, R"(apigw_request_duration_seconds_bucket{route="slow",le="10"} 2)"))
      << text;
  EXPECT_TRUE(has_line(text, R"(apigw_request_duration_seconds_bucket{route="slow",le="+Inf"} 3)"))
      << text;
  EXPECT_TRUE(has_line(text, R"(apigw_request_duration_seconds_sum{route="slow"} 21.0005)"))
      << text;
  EXPECT_TRUE(has_line(text, R"(apigw_request_duration_seconds_count{route="slow"} 3)")) << text;
}

TEST(Metrics, RequestsWithoutRouteAreCountedButHaveNoHistogram) {
  MetricsShard a;
  MetricsShard b;
  EXPECT_EQ(a.snapshot().routes.count(""), 0u) << "no unrouted request, no line";
  a.unrouted.record(http::Method::get, 404, 10);
  a.unrouted.record(http::Method::get, 404, 10);
  b.unrouted.record(http::Method::other, 431, 10);
  MetricsShard::Values merged = a.snapshot();
  merged.merge(b.snapshot());
  const std::string text = render(merged);
  EXPECT_TRUE(has_line(text, R"(apigw_requests_total{route="",method="GET",status_class="4xx"} 2)"))
      << text;
  EXPECT_TRUE(
      has_line(text, R"(apigw_requests_total{route="",method="OTHER",status_class="4xx"} 1)"))
      << text;
  EXPECT_EQ(text.find("apigw_request_duration_seconds_bucket{route=\"\""), std::string::npos)
      << text;
  EXPECT_EQ(count_lines_starting(text, "apigw_request_duration_seconds_"), 0) << text;
}

TEST(Metrics, ConnectErrorsActiveConnectionsAndGauges) {
  MetricsShard a;
  MetricsShard b;
  a.cell(Family::connect_errors, "backend", ConnectError::failed).add();
  b.cell(Family::connect_errors, "backend", ConnectError::failed).add(2);
  b.cell(Family::connect_errors, "billing", ConnectError::failed).add();
  a.active_connections = 3;
  b.active_connections = 4;
  MetricsShard::Values merged = a.snapshot();
  merged.merge(b.snapshot());
  GatewayGauges gauges;
  gauges.config_version = 5;
  gauges.reloads_ok = 2;
  gauges.reloads_failed = 1;
  gauges.access_log_dropped = 9;
  gauges.workers = 2;
  const std::string text = render(merged, gauges);
  EXPECT_TRUE(has_line(text, R"(apigw_upstream_connect_errors_total{upstream="backend"} 3)"))
      << text;
  EXPECT_TRUE(has_line(text, R"(apigw_upstream_connect_errors_total{upstream="billing"} 1)"))
      << text;
  EXPECT_TRUE(has_line(text, "apigw_active_connections 7")) << text;
  EXPECT_TRUE(has_line(text, "apigw_config_version 5")) << text;
  EXPECT_TRUE(has_line(text, R"(apigw_config_reloads_total{result="ok"} 2)")) << text;
  EXPECT_TRUE(has_line(text, R"(apigw_config_reloads_total{result="failed"} 1)")) << text;
  EXPECT_TRUE(has_line(text, "apigw_access_log_dropped_total 9")) << text;
  EXPECT_TRUE(has_line(text, "apigw_workers 2")) << text;
}

TEST(Metrics, ActiveConnectionsGaugeFollowsTheShard) {
  MetricsShard shard;
  shard.active_connections += 2;
  shard.active_connections -= 1;
  EXPECT_TRUE(has_line(render(shard.snapshot()), "apigw_active_connections 1"));
  shard.active_connections -= 1;
  EXPECT_TRUE(has_line(render(shard.snapshot()), "apigw_active_connections 0"));
}

// Every family: HELP then TYPE exactly once, and its samples right after, never elsewhere.
TEST(Metrics, HelpAndTypeAppearOncePerFamilyBeforeItsSamples) {
  MetricsShard a;
  MetricsShard b;
  a.route("users").record(http::Method::get, 200, 1000);
  b.route("users").record(http::Method::get, 500, 1000);
  b.route("orders").record(http::Method::del, 302, 1000);
  a.cell(Family::connect_errors, "backend", ConnectError::failed).add();
  b.cell(Family::connect_errors, "other", ConnectError::failed).add();
  MetricsShard::Values merged = a.snapshot();
  merged.merge(b.snapshot());
  const std::string text = render(merged, {.config_version = 1, .workers = 2});

  const std::map<std::string, std::string> families = {
      {"apigw_requests_total", "counter"},
      {"apigw_responses_total", "counter"},
      {"apigw_request_duration_seconds", "histogram"},
      {"apigw_upstream_duration_seconds", "histogram"},
      {"apigw_requests_refused_total", "counter"},
      {"apigw_listener_bytes_total", "counter"},
      {"apigw_tracing_spans_total", "counter"},
      {"apigw_tracing_export_errors_total", "counter"},
      {"apigw_upstream_connect_errors_total", "counter"},
      {"apigw_upstream_retries_total", "counter"},
      {"apigw_upstream_ejections_total", "counter"},
      {"apigw_upstream_breaker_transitions_total", "counter"},
      {"apigw_fallbacks_total", "counter"},
      {"apigw_upstream_split_picks_total", "counter"},
      {"apigw_mirror_requests_total", "counter"},
      {"apigw_upstream_bytes_total", "counter"},
      {"apigw_active_connections", "gauge"},
      {"apigw_config_version", "gauge"},
      {"apigw_config_reloads_total", "counter"},
      {"apigw_access_log_dropped_total", "counter"},
      {"apigw_workers", "gauge"},
  };
  for (const auto& [name, type] : families) {
    EXPECT_EQ(count_lines_starting(text, "# HELP " + name + " "), 1) << name;
    EXPECT_EQ(count_lines_starting(text, "# TYPE " + name + " "), 1) << name;
    EXPECT_TRUE(has_line(text, "# TYPE " + name + " " + type)) << name;
  }
  EXPECT_EQ(count_lines_starting(text, "# HELP "), static_cast<int>(families.size()));
  EXPECT_EQ(count_lines_starting(text, "# TYPE "), static_cast<int>(families.size()));

  std::string current;  // family of the last TYPE line
  std::string previous_line;
  for (const auto& line : lines_of(text)) {
    ASSERT_FALSE(line.empty()) << text;
    if (line.starts_with("# TYPE ")) {
      current = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_EQ(previous_line.rfind("# HELP " + current + " ", 0), 0u) << line;
    } else if (!line.starts_with("# HELP ")) {
      const std::string sample = line.substr(0, line.find_first_of("{ "));
      const bool belongs =
          sample == current || (current == "apigw_request_duration_seconds" &&
                                (sample == current + "_bucket" || sample == current + "_sum" ||
                                 sample == current + "_count"));
      EXPECT_TRUE(belongs) << "sample " << sample << " under family " << current;
    }
    previous_line = line;
  }
  EXPECT_TRUE(text.ends_with("\n"));
}

TEST(Metrics, EmptyValuesStillRenderEveryFamily) {
  const std::string text = render({});
  EXPECT_EQ(count_lines_starting(text, "apigw_requests_total"), 0) << text;
  EXPECT_EQ(count_lines_starting(text, "apigw_upstream_connect_errors_total"), 0) << text;
  EXPECT_TRUE(has_line(text, "apigw_active_connections 0")) << text;
  EXPECT_TRUE(has_line(text, "apigw_config_version 0")) << text;
  EXPECT_TRUE(has_line(text, R"(apigw_config_reloads_total{result="ok"} 0)")) << text;
  EXPECT_TRUE(has_line(text, R"(apigw_config_reloads_total{result="failed"} 0)")) << text;
  EXPECT_TRUE(has_line(text, "apigw_workers 0")) << text;
  // Label sets known in advance are there at zero.
  EXPECT_TRUE(has_line(text, R"(apigw_requests_refused_total{reason="invalid_framing"} 0)")) << text;
  EXPECT_TRUE(has_line(text, R"(apigw_tracing_spans_total{result="dropped_queue_full"} 0)")) << text;
  EXPECT_EQ(count_lines_starting(text, "# TYPE "), 21) << text;
}

// A route's mirror results all show once the route has cells (a worker makes them when a
// snapshot with the mirror is installed), so a dashboard sees 0 rather than no series.
TEST(Metrics, MirrorResultsShowAtZeroAndMergeAcrossWorkers) {
  MetricsShard a;
  MetricsShard b;
  a.cells(Family::mirrors, "orders");
  b.cell(Family::mirrors, "orders", MirrorResult::dropped).add(3);
  b.cell(Family::mirrors, "orders", MirrorResult::sent).add(2);
  a.cell(Family::mirrors, "orders", MirrorResult::sent).add(1);
  MetricsShard::Values merged = a.snapshot();
  merged.merge(b.snapshot());
  const std::string text = render(merged);
  EXPECT_TRUE(has_line(text, R"(apigw_mirror_requests_total{route="orders",result="sent"} 3)"))
      << text;
  EXPECT_TRUE(has_line(text, R"(apigw_mirror_requests_total{route="orders",result="failed"} 0)"))
      << text;
  EXPECT_TRUE(has_line(text, R"(apigw_mirror_requests_total{route="orders",result="dropped"} 3)"))
      << text;
  EXPECT_TRUE(
      has_line(text, R"(apigw_mirror_requests_total{route="orders",result="skipped_body"} 0)"))
      << text;
}

TEST(Metrics, RetriesMergeByUpstreamAndResult) {
  MetricsShard a;
  MetricsShard b;
  a.cell(Family::retries, "pool", RetryResult::retried).add(2);
  b.cell(Family::retries, "pool", RetryResult::retried).add();
  b.cell(Family::retries, "pool", RetryResult::budget_exhausted).add(4);
  MetricsShard::Values merged = a.snapshot();
  merged.merge(b.snapshot());
  const std::string text = render(merged);
  EXPECT_TRUE(has_line(text, R"(apigw_upstream_retries_total{upstream="pool",result="retried"} 3)"))
      << text;
  EXPECT_TRUE(has_line(
      text, R"(apigw_upstream_retries_total{upstream="pool",result="budget_exhausted"} 4)"))
      << text;
}

TEST(Metrics, LabelValuesAreEscaped) {
  MetricsShard shard;
  shard.route("we\"ird\\name").record(http::Method::get, 200, 1);
  shard.cell(Family::connect_errors, "two\nlines", ConnectError::failed).add();
  const std::string text = render(shard.snapshot());
  EXPECT_TRUE(has_line(
      text, R"(apigw_requests_total{route="we\"ird\\name",method="GET",status_class="2xx"} 1)"))
      << text;
  EXPECT_TRUE(has_line(text, R"(apigw_upstream_connect_errors_total{upstream="two\nlines"} 1)"))
      << text;
}

TEST(Metrics, MethodClasses) {
  const auto label_of = [](http::Method method) {
    return std::string_view(kMethodLabels[method_class(method)]);
  };
  EXPECT_EQ(label_of(http::Method::get), "GET");
  EXPECT_EQ(label_of(http::Method::head), "HEAD");
  EXPECT_EQ(label_of(http::Method::post), "POST");
  EXPECT_EQ(label_of(http::Method::put), "PUT");
  EXPECT_EQ(label_of(http::Method::del), "DELETE");
  EXPECT_EQ(label_of(http::Method::patch), "PATCH");
  EXPECT_EQ(label_of(http::Method::options), "OPTIONS");
  EXPECT_EQ(label_of(http::Method::connect), "OTHER");
  EXPECT_EQ(label_of(http::Method::trace), "OTHER");
  EXPECT_EQ(label_of(http::Method::other), "OTHER");
}

TEST(Metrics, ResponsesCountEachExactCodeAndRefusalsTheirReason) {
  MetricsShard a;
  MetricsShard b;
  a.route("r").record(http::Method::get, 200, 1);
  a.route("r").record(http::Method::post, 200, 1);
  b.route("r").record(http::Method::get, 503, 1);
  b.route("r").record(http::Method::get, 42, 1);
  a.count_refusal("uri_too_long");
  b.count_refusal("uri_too_long");
  b.count_refusal("not_a_refusal");  // codes other than the listed ones are not counted
  a.listener_bytes["127.0.0.1:8080"].received.add(100);
  b.listener_bytes["127.0.0.1:8080"].received.add(50);
  b.listener_bytes["127.0.0.1:8080"].sent.add(7);
  a.upstream_latency("backend").record(3000);
  b.upstream_latency("backend").record(30'000);
  MetricsShard::Values merged = a.snapshot();
  merged.merge(b.snapshot());
  const std::string text = render(merged);
  EXPECT_TRUE(has_line(text, R"(apigw_responses_total{route="r",code="200"} 2)")) << text;
  EXPECT_TRUE(has_line(text, R"(apigw_responses_total{route="r",code="503"} 1)")) << text;
  EXPECT_TRUE(has_line(text, R"(apigw_responses_total{route="r",code="other"} 1)")) << text;
  EXPECT_TRUE(has_line(text, R"(apigw_requests_refused_total{reason="uri_too_long"} 2)")) << text;
  EXPECT_TRUE(has_line(
      text, R"(apigw_listener_bytes_total{listener="127.0.0.1:8080",direction="received"} 150)"))
      << text;
  EXPECT_TRUE(
      has_line(text, R"(apigw_listener_bytes_total{listener="127.0.0.1:8080",direction="sent"} 7)"))
      << text;
  EXPECT_EQ(text.find("not_a_refusal"), std::string::npos);
  EXPECT_TRUE(has_line(text, R"(apigw_upstream_duration_seconds_bucket{upstream="backend",le="0.005"} 1)"))
      << text;
  EXPECT_TRUE(has_line(text, R"(apigw_upstream_duration_seconds_count{upstream="backend"} 2)"))
      << text;
  EXPECT_TRUE(has_line(text, R"(apigw_upstream_duration_seconds_sum{upstream="backend"} 0.033)"))
      << text;
}

TEST(Metrics, StatusClassesAndOutOfRangeStatuses) {
  MetricsShard shard;
  RouteStats& stats = shard.route("r");
  stats.record(http::Method::head, 100, 1);
  stats.record(http::Method::head, 399, 1);
  stats.record(http::Method::head, 400, 1);
  stats.record(http::Method::head, 599, 1);
  stats.record(http::Method::head, 600, 1);  // not a status class: counted as 5xx
  stats.record(http::Method::head, 42, 1);
  const auto values = shard.snapshot();
  const auto& head = values.routes.at("r").requests[1];
  EXPECT_EQ(head[0], 1u);
  EXPECT_EQ(head[1], 0u);
  EXPECT_EQ(head[2], 1u);
  EXPECT_EQ(head[3], 1u);
  EXPECT_EQ(head[4], 3u);
  const std::string text = render(values);
  EXPECT_TRUE(
      has_line(text, R"(apigw_requests_total{route="r",method="HEAD",status_class="1xx"} 1)"))
      << text;
  EXPECT_TRUE(
      has_line(text, R"(apigw_requests_total{route="r",method="HEAD",status_class="5xx"} 3)"))
      << text;
}

TEST(Metrics, EveryFamilyRendersFromItsDeclaration) {
  MetricsShard shard;
  shard.cell(Family::breaker_transitions, "pool", BreakerTransition::upstream_open).add();
  shard.cell(Family::fallbacks, "r", FallbackKind::static_response).add(2);
  const std::string text = render(shard.snapshot());
  EXPECT_TRUE(has_line(
      text,
      R"(apigw_upstream_breaker_transitions_total{upstream="pool",scope="target",to="closed"} 0)"))
      << "target cells always show: " << text;
  EXPECT_TRUE(has_line(
      text,
      R"(apigw_upstream_breaker_transitions_total{upstream="pool",scope="upstream",to="open"} 1)"))
      << text;
  EXPECT_FALSE(has_line(
      text,
      R"(apigw_upstream_breaker_transitions_total{upstream="pool",scope="upstream",to="closed"} 0)"))
      << "the upstream's own only once moved: " << text;
  EXPECT_TRUE(has_line(text, R"(apigw_fallbacks_total{route="r",kind="static"} 2)")) << text;
  for (std::size_t f = 0; f < kFamilyCount; ++f) {
    const FamilySpec& spec = family_spec(static_cast<Family>(f));
    EXPECT_NE(text.find("# TYPE " + std::string(spec.metric) + " counter"), std::string::npos)
        << spec.metric;
  }
}

}  // namespace
}  // namespace apigw::observe
