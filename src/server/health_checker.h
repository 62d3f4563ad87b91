// Active health checks: every target of an upstream with a `health_check` is probed every
// interval — an HTTP request whose status (and optionally body) must match, or a TCP connect —
// on the checker's own thread and io_context, so that thousands of probes (and their DNS-free but
// busy connects and timers) never delay the main thread's admin requests, reloads and snapshot
// builds, nor a worker. Results change TargetState::healthy (an atomic every worker reads when it
// picks a target) after `unhealthy_threshold` failures or `healthy_threshold` successes in a row;
// each change is logged once. Probes of an upstream with `tls` speak TLS (a full handshake
// each, so a certificate that stops verifying marks the target down). docs/resilience.md.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

#include "server/asio.h"
#include "server/upstream_connect.h"
#include "snapshot/snapshot.h"

namespace apigw::server {

class HealthChecker {
 public:
  // Starts the checker's thread (idle until watch()).
  HealthChecker();
  // Stops every probe and joins the thread.
  ~HealthChecker();
  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // Checks the targets of `snapshot` from now on, and stops the probes of the previous one (a
  // target's health carries over, as it lives in its TargetState). Called from the main thread;
  // the probes start on the checker's thread.
  void watch(std::shared_ptr<const snapshot::Snapshot> snapshot);
  // Stops every probe (they end at their next wake-up).
  void stop() { stopping_ = true; }

 private:
  // One target's probe loop, kept across snapshots while the target, its upstream and its
  // health_check stay the same: a write every few hundred milliseconds must not restart (and so
  // never finish counting) the probes of thousands of targets. Touched on the checker's thread
  // only.
  struct Probe {
    std::shared_ptr<const snapshot::Snapshot> snapshot;  // the latest that has the target
    std::size_t cluster = 0;
    std::size_t target = 0;
    bool stopped = false;
  };

  void update(const std::shared_ptr<const snapshot::Snapshot>& snapshot, std::uint64_t generation);
  awaitable<void> check_target(std::shared_ptr<Probe> probe, std::chrono::nanoseconds first_wait);

  net::io_context context_{1};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  // Written by the main thread, read on the checker's: which watch() is the latest.
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<bool> stopping_{false};
  // upstream name + '\n' + target address -> its probe (checker's thread only).
  std::unordered_map<std::string, std::shared_ptr<Probe>> probes_;
  std::thread thread_;
};

// One probe of `target` per `check`, over TLS when `tls` is set: true if it passed. A failed
// handshake is described in `tls_failure` (may be null). Exposed for tests.
awaitable<bool> probe_target(const config::HealthCheckConfig& check, const proxy::Target& target,
                             const std::shared_ptr<const tls::UpstreamContext>& tls = nullptr,
                             UpstreamTlsFailure* tls_failure = nullptr);

}  // namespace apigw::server
