// /metrics as Prometheus itself reads it: a real Prometheus server (Debian's) scrapes the admin
// listener and answers PromQL over what it stored, and promtool lints the exposition.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include <boost/json.hpp>

#include "support/gateway.h"

namespace apigw::test {
namespace {

namespace json = boost::json;

// A Prometheus server scraping one target every second, with its own data directory.
class PrometheusServer {
 public:
  explicit PrometheusServer(int scraped_port) : port_(free_port()) {
    const std::string config = dir_.path() + "/prometheus.yml";
    std::ofstream(config) << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                             "scrape_configs:\n  - job_name: apigw\n    static_configs:\n"
                             "      - targets: ['127.0.0.1:"
                          << scraped_port << "']\n";
    process_ = std::make_unique<Process>(
        std::vector<std::string>{"prometheus", "--config.file=" + config,
                                 "--storage.tsdb.path=" + dir_.path() + "/data",
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                 "--log.level=warn"},
        dir_.path() + "/prometheus.log");
  }
  bool started() { return wait_for_port(port_, std::chrono::seconds(30)); }
  // The value of an instant query's first sample (NaN when the result is empty).
  double query(const std::string& promql) {
    const CurlResult result =
        curl({"--data-urlencode", "query=" + promql,
              "http://127.0.0.1:" + std::to_string(port_) + "/api/v1/query"});
    if (result.status != 200) return std::nan("");
    const json::value answer = json::parse(result.body);
    const json::array& samples = answer.at("data").at("result").as_array();
    if (samples.empty()) return std::nan("");
    return std::stod(std::string(samples[0].at("value").as_array()[1].as_string()));
  }
  // Polls `promql` until it equals `expected` (the scrapes take a few seconds to see it).
  bool wait_for(const std::string& promql, double expected) {
    return wait_until([&] { return query(promql) == expected; }, std::chrono::seconds(30));
  }
  std::string log() const { return process_->log(); }

 private:
  TempDir dir_;
  int port_;
  std::unique_ptr<Process> process_;
};

TEST(Prometheus, ARealServerScrapesTheGatewayAndComputesQuantiles) {
  EchoBackend backend;
  Gateway gateway(statistics_config(backend.address()));
  PrometheusServer prometheus(gateway.admin_port());
  ASSERT_TRUE(prometheus.started()) << prometheus.log();
  for (int i = 0; i < 20; ++i) ASSERT_EQ(get_in_process(gateway.port(), "/delay/30").status, 200);
  for (int i = 0; i < 50; ++i) ASSERT_EQ(get_in_process(gateway.port(), "/api/x").status, 200);
  ASSERT_EQ(get_in_process(gateway.port(), "/nowhere").status, 404);

  ASSERT_TRUE(prometheus.wait_for(R"(sum(apigw_requests_total{route="fast"}))", 50))
      << prometheus.log();
  EXPECT_EQ(prometheus.query(R"(up{job="apigw"})"), 1.0);
  EXPECT_EQ(prometheus.query(R"(sum(apigw_requests_total{route="slow"}))"), 20.0);
  EXPECT_EQ(prometheus.query(R"(apigw_responses_total{route="fast",code="200"})"), 50.0);
  EXPECT_EQ(prometheus.query(R"(apigw_requests_refused_total{reason="route_not_found"})"), 1.0);
  // Known label sets are there before anything happened to them.
  EXPECT_EQ(prometheus.query(R"(apigw_requests_refused_total{reason="invalid_framing"})"), 0.0);
  // 30 ms falls in the (25 ms, 50 ms] bucket: histogram_quantile interpolates inside it.
  const double slow_p50 = prometheus.query(
      R"(histogram_quantile(0.5, sum by (le) (apigw_request_duration_seconds_bucket{route="slow"})))");
  EXPECT_GT(slow_p50, 0.025);
  EXPECT_LE(slow_p50, 0.05);
  const double upstream_p99 = prometheus.query(
      R"(histogram_quantile(0.99, sum by (le) (apigw_upstream_duration_seconds_bucket{upstream="backend"})))");
  EXPECT_GT(upstream_p99, 0.025);
  EXPECT_LE(upstream_p99, 0.05);
  EXPECT_EQ(prometheus.query(R"(apigw_upstream_duration_seconds_count{upstream="backend"})"), 70.0);
  // 71 requests of some 100 bytes in, and their answers out.
  EXPECT_GT(prometheus.query(R"(sum(apigw_listener_bytes_total{direction="received"}))"), 71 * 50);
  EXPECT_GT(prometheus.query(R"(sum(apigw_listener_bytes_total{direction="sent"}))"), 71 * 100);
  EXPECT_GT(prometheus.query("process_resident_memory_bytes"), 1e6);
  EXPECT_GT(prometheus.query("apigw_host_memory_total_bytes"), 1e6);
  EXPECT_GE(prometheus.query(R"(apigw_host_cpu_seconds_total{mode="idle"})"), 0.0);
}

TEST(Prometheus, PromtoolFindsNothingToLintInTheExposition) {
  EchoBackend backend;
  Gateway gateway(statistics_config(backend.address()));
  for (int i = 0; i < 3; ++i) ASSERT_EQ(get_in_process(gateway.port(), "/api/x").status, 200);
  ASSERT_EQ(get_in_process(gateway.port(), "/nowhere").status, 404);
  // A head the parser refuses, and one that could smuggle a request.
  raw_exchange(gateway.port(), "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  raw_exchange(gateway.port(),
               "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
  const std::string metrics = gateway.metrics();
  EXPECT_NE(metrics.find("apigw_requests_refused_total{reason=\"bad_request\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("apigw_requests_refused_total{reason=\"invalid_framing\"} 1"),
            std::string::npos);
  TempDir dir;
  const std::string path = dir.path() + "/metrics.txt";
  std::ofstream(path) << metrics;
  const CommandResult lint =
      run_command({"sh", "-c", "promtool check metrics < '" + path + "' 2>&1"});
  EXPECT_EQ(lint.exit_code, 0) << lint.output;
  EXPECT_EQ(lint.output, "") << lint.output;
}

}  // namespace
}  // namespace apigw::test
