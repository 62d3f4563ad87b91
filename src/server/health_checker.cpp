#include "server/health_checker.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/steady_timer.hpp>

#include "http/parser.h"
#include "util/log.h"

namespace apigw::server {
namespace {

constexpr std::size_t kMaxProbeResponse = 64 * 1024;

bool status_expected(const config::HealthCheckConfig& check, int status) {
  for (const auto& [low, high] : check.expected_statuses) {
    if (status >= low && status <= high) return true;
  }
  return false;
}

}  // namespace

awaitable<bool> probe_target(const config::HealthCheckConfig& check, const proxy::Target& target) {
  if (target.endpoints.empty()) co_return false;
  auto executor = co_await net::this_coro::executor;
  tcp_socket socket(executor);
  // The whole probe — connect, request, response — must finish within the timeout: the timer
  // closes the socket, which makes whatever is pending fail.
  steady_timer deadline(executor);
  deadline.expires_after(check.timeout);
  deadline.async_wait([&socket](error_code ec) {
    if (!ec) {
      error_code ignored;
      socket.close(ignored);
    }
  });
  auto [connect_ec, endpoint] = co_await net::async_connect(socket, target.endpoints, use_nothrow);
  if (connect_ec) co_return false;
  if (check.kind == config::HealthCheckConfig::Kind::tcp) co_return true;

  std::string request = check.method + " " + check.path +
                        " HTTP/1.1\r\nHost: " + (check.host.empty() ? target.address : check.host) +
                        "\r\nUser-Agent: apigw-health-check\r\nConnection: close\r\n\r\n";
  auto [write_ec, written] = co_await net::async_write(socket, net::buffer(request), use_nothrow);
  if (write_ec) co_return false;
  // Read until the peer closes (we asked it to) or the cap; then judge head and body.
  std::string response;
  std::array<char, 4096> chunk{};
  while (response.size() < kMaxProbeResponse) {
    auto [read_ec, n] = co_await socket.async_read_some(net::buffer(chunk), use_nothrow);
    response.append(chunk.data(), n);
    if (read_ec) break;
  }
  http::ResponseHead head;
  if (http::parse_response_head(response, http::HeadLimits{}, http::parse_method(check.method),
                                head)
          .status != http::ParseStatus::complete) {
    co_return false;
  }
  if (!status_expected(check, head.status)) co_return false;
  if (check.body_contains.empty()) co_return true;
  co_return std::string_view(response).substr(head.head_bytes).find(check.body_contains) !=
      std::string_view::npos;
}

void HealthChecker::watch(std::shared_ptr<const snapshot::Snapshot> snapshot) {
  const std::uint64_t generation = ++generation_;
  for (std::size_t c = 0; c < snapshot->clusters.size(); ++c) {
    const auto& cluster = snapshot->clusters[c];
    if (!cluster.config->health_check.enabled) {
      // Checks removed from the config: what they last said no longer applies.
      for (const auto& target : cluster.targets) {
        target.state->healthy.store(true, std::memory_order_relaxed);
      }
      continue;
    }
    for (std::size_t t = 0; t < cluster.targets.size(); ++t) {
      net::co_spawn(context_, check_target(snapshot, c, t, generation), net::detached);
    }
  }
}

awaitable<void> HealthChecker::check_target(std::shared_ptr<const snapshot::Snapshot> snapshot,
                                            std::size_t cluster_index, std::size_t target_index,
                                            std::uint64_t generation) {
  const proxy::Cluster& cluster = snapshot->clusters[cluster_index];
  const proxy::Target& target = cluster.targets[target_index];
  const config::HealthCheckConfig& check = cluster.config->health_check;
  std::uint32_t successes = 0;
  std::uint32_t failures = 0;
  steady_timer timer(context_);
  // Spread the first probes of many targets over the interval instead of all at once.
  auto wait = check.interval * static_cast<std::int64_t>(target_index) /
              static_cast<std::int64_t>(cluster.targets.size());
  for (;;) {
    timer.expires_after(wait);
    auto [ec] = co_await timer.async_wait(use_nothrow);
    if (ec || generation != generation_) co_return;
    wait = check.interval;
    const bool passed = co_await probe_target(check, target);
    if (generation != generation_) co_return;
    std::atomic<bool>& healthy = target.state->healthy;
    if (passed) {
      failures = 0;
      if (!healthy.load(std::memory_order_relaxed) && ++successes >= check.healthy_threshold) {
        healthy.store(true, std::memory_order_relaxed);
        util::log_info("upstream '" + cluster.config->name + "': target " + target.address +
                       " is healthy again (" + std::to_string(successes) + " checks passed)");
      }
    } else {
      successes = 0;
      if (healthy.load(std::memory_order_relaxed) && ++failures >= check.unhealthy_threshold) {
        healthy.store(false, std::memory_order_relaxed);
        util::log_warn("upstream '" + cluster.config->name + "': target " + target.address +
                       " marked unhealthy (" + std::to_string(failures) + " checks failed)");
      }
    }
  }
}

}  // namespace apigw::server
