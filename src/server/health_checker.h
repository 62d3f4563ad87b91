// Active health checks: every target of an upstream with a `health_check` is probed every
// interval — an HTTP request whose status (and optionally body) must match, or a TCP connect —
// on the main thread's io_context, never on a worker. Results change TargetState::healthy, which
// every worker reads when it picks a target, after `unhealthy_threshold` failures or
// `healthy_threshold` successes in a row; each change is logged once. docs/resilience.md.
#pragma once

#include <cstdint>
#include <memory>

#include "server/asio.h"
#include "snapshot/snapshot.h"

namespace apigw::server {

class HealthChecker {
 public:
  explicit HealthChecker(net::io_context& context) : context_(context) {}
  // Checks the targets of `snapshot` from now on, and stops the probes of the previous one (a
  // target's health carries over, as it lives in its TargetState).
  void watch(std::shared_ptr<const snapshot::Snapshot> snapshot);
  // Stops every probe.
  void stop() { ++generation_; }

 private:
  awaitable<void> check_target(std::shared_ptr<const snapshot::Snapshot> snapshot,
                               std::size_t cluster, std::size_t target, std::uint64_t generation);

  net::io_context& context_;
  std::uint64_t generation_ = 0;
};

// One probe of `target` per `check`: true if it passed. Exposed for tests.
awaitable<bool> probe_target(const config::HealthCheckConfig& check, const proxy::Target& target);

}  // namespace apigw::server
