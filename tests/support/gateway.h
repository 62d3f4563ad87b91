// Starts the real apigw binary and real backends (`apigw echo-server`) for integration tests.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace apigw::test {

// One `apigw echo-server` on a free port; records every request line it receives.
class EchoBackend {
 public:
  // `host` is a numeric IPv4 or IPv6 address to listen on.
  explicit EchoBackend(std::string name = "echo", std::string host = "127.0.0.1",
                       std::vector<std::string> extra_args = {});
  int port() const { return port_; }
  std::string address() const {
    return (host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_) + ":" +
           std::to_string(port_);
  }
  // "METHOD TARGET" of every request the backend has received, in order.
  std::vector<std::string> received() const;
  void stop() { process_.reset(); }
  // Starts it again on the same port (after stop()).
  void start();

 private:
  TempDir dir_;
  std::string host_;
  int port_;
  std::string record_path_;
  std::vector<std::string> command_;
  std::unique_ptr<Process> process_;
};

// The gateway under test. The config text may use {port} and {admin_port}, filled in here.
// apigw on a config with the placeholders {port}, {admin_port} and {dir} (a temporary directory
// of its own, for databases and caches).
class Gateway {
 public:
  explicit Gateway(const std::string& config, std::vector<std::string> extra_env = {});
  // Prints the tail of apigw's log when the test has failed, for the CI output.
  ~Gateway();
  int port() const { return port_; }
  int admin_port() const { return admin_port_; }
  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  const std::string& config_path() const { return config_path_; }
  const std::string& dir() const { return dir_.path(); }
  Process& process() { return *process_; }
  const std::string& log_path() const { return process_->log_path(); }
  // Rewrites the config file (same placeholders) without signalling.
  void write_config(const std::string& config);
  // Resident set size of the apigw process, in KiB.
  long rss_kib() const;
  std::string log() const { return process_->log(); }
  // Reads GET /metrics from the admin listener.
  std::string metrics() const;
  // The value of one sample of /metrics, by name and labels (-1 when absent).
  double metric(const std::string& series) const;
  // Waits until /metrics shows `needle` (e.g. a new config version) or the timeout passes.
  bool wait_for_metric(const std::string& needle,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

 private:
  TempDir dir_;
  int port_;
  int admin_port_;
  std::string config_path_;
  std::unique_ptr<Process> process_;
};

// The value of the sample `series` (name and labels, as written) in Prometheus text, or -1.
double metric_sample(const std::string& text, const std::string& series);

// A gateway config with one upstream "pool" behind one catch-all route "all", on {port} and
// {admin_port}. `targets` is the TOML inside `targets = [...]`; the extras are TOML lines added
// to the upstream, to the route and to [server] (where tables such as [server.timeouts] may
// follow).
std::string pool_config(const std::string& targets, const std::string& upstream_extra = "",
                        const std::string& route_extra = "", int workers = 1,
                        const std::string& server_extra = "");
// Two workers, one upstream at `backend` (an EchoBackend) behind three routes for the statistics
// tests: "slow" (/delay/N: the backend waits N ms), "fast" (/api/) and "statuses" (/status/N).
std::string statistics_config(const std::string& backend);
// `{ address = "..." },` for each address, for pool_config.
std::string targets_toml(const std::vector<std::string>& addresses);

// A loopback address where nothing listens: a dead target.
std::string dead_address();
// One character per sequential GET /: '.' for 200, 'x' for 502, '?' for anything else. Sent from
// this process (get_in_process), so that a run of them fits in a breaker's or an ejection's
// window however slowly processes start.
std::string statuses(const Gateway& gateway, int count);

// Polls `condition` every few milliseconds until it holds (true) or `timeout` passes (false): what
// a test waits on instead of sleeping for a guessed time.
bool wait_until(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Waits until host:port (numeric IPv4 or IPv6) accepts connections.
bool wait_for_port(int port, std::chrono::milliseconds timeout = std::chrono::seconds(10),
                   const std::string& host = "127.0.0.1");

}  // namespace apigw::test
