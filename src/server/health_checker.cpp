#include "server/health_checker.h"

#include <boost/asio/steady_timer.hpp>

#include "http/parser.h"
#include "server/upstream_connect.h"
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

bool same_check(const config::HealthCheckConfig& a, const config::HealthCheckConfig& b) {
  return a.enabled == b.enabled && a.kind == b.kind && a.path == b.path && a.method == b.method &&
         a.host == b.host && a.expected_statuses == b.expected_statuses &&
         a.body_contains == b.body_contains && a.interval == b.interval && a.timeout == b.timeout &&
         a.healthy_threshold == b.healthy_threshold &&
         a.unhealthy_threshold == b.unhealthy_threshold;
}

}  // namespace

awaitable<bool> probe_target(const config::HealthCheckConfig& check, const proxy::Target& target,
                             const std::shared_ptr<const tls::UpstreamContext>& tls,
                             UpstreamTlsFailure* tls_failure) {
  if (target.endpoints.empty()) co_return false;
  auto executor = co_await net::this_coro::executor;
  // Shared with the deadline's handler, which may already be queued (expired) when the probe
  // ends: it must find the connection gone, not freed (a use-after-free under load, when the
  // timeout and the probe's end fall in the same turn of the loop).
  const auto owned = std::make_shared<Transport>(tcp_socket(executor));
  Transport& transport = *owned;
  // The whole probe — connect, TLS handshake, request, response — must finish within the
  // timeout: the timer closes the connection, which makes whatever is pending fail.
  steady_timer deadline(executor);
  deadline.expires_after(check.timeout);
  deadline.async_wait([weak = std::weak_ptr<Transport>(owned)](error_code ec) {
    if (ec) return;
    if (const auto connection = weak.lock()) {
      error_code ignored;
      connection->close(ignored);
    }
  });
  // Probes keep no TLS session: each one proves a full handshake (the certificate as it is now).
  UpstreamTlsFailure failure;
  const ConnectStatus connected =
      co_await connect_upstream(transport, target, tls, nullptr, failure);
  if (connected != ConnectStatus::ok) {
    if (connected == ConnectStatus::tls_failed && tls_failure != nullptr) {
      *tls_failure = std::move(failure);
    }
    co_return false;
  }
  // A tcp check of a TLS upstream includes the handshake: a target whose certificate fails
  // cannot serve a request either.
  if (check.kind == config::HealthCheckConfig::Kind::tcp) co_return true;

  std::string request = check.method + " " + check.path +
                        " HTTP/1.1\r\nHost: " + (check.host.empty() ? target.address : check.host) +
                        "\r\nUser-Agent: apigw-health-check\r\nConnection: close\r\n\r\n";
  auto [write_ec, written] = co_await transport.async_write(net::buffer(request), use_nothrow);
  if (write_ec) co_return false;
  // Read until the peer closes (we asked it to) or the cap; then judge head and body.
  std::string response;
  std::array<char, 4096> chunk{};
  while (response.size() < kMaxProbeResponse) {
    auto [read_ec, n] = co_await transport.async_read_some(net::buffer(chunk), use_nothrow);
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

HealthChecker::HealthChecker() : work_(net::make_work_guard(context_)) {
  thread_ = std::thread([this] { context_.run(); });
}

HealthChecker::~HealthChecker() {
  stopping_ = true;
  work_.reset();
  // Pending probes hold sockets and timers of this context: stop it rather than wait for them.
  context_.stop();
  thread_.join();
}

void HealthChecker::watch(std::shared_ptr<const snapshot::Snapshot> snapshot) {
  const std::uint64_t generation = ++generation_;
  net::post(context_,
            [this, snapshot = std::move(snapshot), generation] { update(snapshot, generation); });
}

void HealthChecker::update(const std::shared_ptr<const snapshot::Snapshot>& snapshot,
                           std::uint64_t generation) {
  if (generation != generation_ || stopping_) return;  // a later watch() will do
  std::unordered_map<std::string, std::shared_ptr<Probe>> next;
  for (std::size_t c = 0; c < snapshot->clusters.size(); ++c) {
    const auto& cluster = snapshot->clusters[c];
    const config::HealthCheckConfig& check = cluster.config->health_check;
    if (!check.enabled) {
      // Checks removed from the config: what they last said no longer applies.
      for (const auto& target : cluster.targets) {
        target.state->healthy.store(true, std::memory_order_relaxed);
      }
      continue;
    }
    for (std::size_t t = 0; t < cluster.targets.size(); ++t) {
      const proxy::Target& target = cluster.targets[t];
      std::string key = cluster.config->name + '\n' + target.address;
      const auto found = probes_.find(key);
      if (found != probes_.end()) {
        Probe& running = *found->second;
        const auto& before = running.snapshot->clusters[running.cluster];
        // Same check of the same state: the probe goes on (with this snapshot's addresses).
        if (same_check(before.config->health_check, check) &&
            before.targets[running.target].state == target.state) {
          running.snapshot = snapshot;
          running.cluster = c;
          running.target = t;
          next.emplace(std::move(key), found->second);
          continue;
        }
      }
      auto probe = std::make_shared<Probe>(Probe{snapshot, c, t, false});
      // Spread the first probes of many targets over the interval instead of all at once.
      const auto first_wait = std::chrono::duration_cast<std::chrono::nanoseconds>(
          check.interval * static_cast<std::int64_t>(t) /
          static_cast<std::int64_t>(cluster.targets.size()));
      net::co_spawn(context_, check_target(probe, first_wait), net::detached);
      next.emplace(std::move(key), std::move(probe));
    }
  }
  for (auto& [key, probe] : probes_) {
    const auto kept = next.find(key);
    if (kept == next.end() || kept->second != probe) probe->stopped = true;
  }
  probes_ = std::move(next);
}

awaitable<void> HealthChecker::check_target(std::shared_ptr<Probe> probe,
                                            std::chrono::nanoseconds first_wait) {
  std::uint32_t successes = 0;
  std::uint32_t failures = 0;
  std::string tls_logged;  // the reason of the last failed handshake logged
  steady_timer timer(context_);
  auto wait = first_wait;
  for (;;) {
    timer.expires_after(wait);
    auto [ec] = co_await timer.async_wait(use_nothrow);
    if (ec || probe->stopped || stopping_) co_return;
    // Held for this round: a later snapshot may replace the probe's while it runs.
    const std::shared_ptr<const snapshot::Snapshot> snapshot = probe->snapshot;
    const proxy::Cluster& cluster = snapshot->clusters[probe->cluster];
    const proxy::Target& target = cluster.targets[probe->target];
    const config::HealthCheckConfig& check = cluster.config->health_check;
    wait = check.interval;
    const auto& tls = snapshot->upstream_tls.size() > probe->cluster
                          ? snapshot->upstream_tls[probe->cluster]
                          : nullptr;
    UpstreamTlsFailure tls_failure;
    const bool passed = co_await probe_target(check, target, tls, &tls_failure);
    if (probe->stopped || stopping_) co_return;
    // A failed handshake says why once per reason, not once per probe.
    if (!tls_failure.reason.empty() && tls_failure.reason != tls_logged) {
      tls_logged = tls_failure.reason;
      util::log_warn(describe_tls_failure(cluster.config->name, target, *tls, tls_failure) +
                     " (health check)");
    } else if (passed) {
      tls_logged.clear();
    }
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
