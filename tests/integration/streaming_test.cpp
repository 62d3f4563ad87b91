// Bodies stream through with bounded memory: a 1 GiB upload and a 1 GiB download pass without
// the gateway's resident memory growing by more than a few MiB.
#include <gtest/gtest.h>

#include <thread>

#include "support/gateway.h"

namespace apigw::test {
namespace {

const std::string kConfig = R"(
[server]
listen = ["127.0.0.1:{port}"]
workers = 1
[server.limits]
max_body_bytes = "2GiB"
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "backend"
targets = [{ address = "{backend}" }]
[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "backend"
)";

constexpr std::uint64_t kGiB = 1ull << 30;

class Streaming : public ::testing::Test {
 protected:
  EchoBackend backend;
  Gateway gateway{fill(kConfig, {{"backend", backend.address()}})};
  // Samples the gateway's RSS while `work` runs; returns the peak in KiB.
  template <typename Work>
  long peak_rss_during(Work work) {
    std::atomic<bool> done{false};
    std::atomic<long> peak{gateway.rss_kib()};
    std::thread sampler([&] {
      while (!done) {
        peak = std::max(peak.load(), gateway.rss_kib());
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
    work();
    done = true;
    sampler.join();
    return peak;
  }
};

TEST_F(Streaming, OneGibDownloadWithBoundedMemory) {
  ASSERT_EQ(http_get(gateway.port(), "/warm-up").status, 200);
  const long before = gateway.rss_kib();
  CommandResult result;
  const long peak = peak_rss_during([&] {
    result = run_command({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                          gateway.url("/bytes/" + std::to_string(kGiB))},
                         std::chrono::seconds(240));
  });
  EXPECT_EQ(result.output, "200 " + std::to_string(kGiB));
  EXPECT_LT(peak - before, 8 * 1024) << "RSS grew from " << before << " KiB to " << peak;
}

TEST_F(Streaming, OneGibUploadWithBoundedMemory) {
  ASSERT_EQ(http_get(gateway.port(), "/warm-up").status, 200);
  const long before = gateway.rss_kib();
  CommandResult result;
  const long peak = peak_rss_during([&] {
    // head -c from /dev/zero streams the body: curl never holds it in memory either.
    result = run_command(
        {"sh", "-c",
         "head -c " + std::to_string(kGiB) + " /dev/zero | curl -sS -T - -H 'Content-Length: " +
             std::to_string(kGiB) + "' -H 'Transfer-Encoding:' " + gateway.url("/upload")},
        std::chrono::seconds(240));
  });
  EXPECT_NE(result.output.find("\"body_bytes\":" + std::to_string(kGiB)), std::string::npos)
      << result.output;
  EXPECT_LT(peak - before, 8 * 1024) << "RSS grew from " << before << " KiB to " << peak;
}

}  // namespace
}  // namespace apigw::test
