// The process's and the host's resource use, read from /proc: what /metrics exports as
// process_* and apigw_host_* and GET /admin/stats shows (docs/observability.md). Read on demand
// (a scrape, an admin call), never on a worker.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace apigw::observe {

struct ProcessUsage {
  double cpu_seconds = 0;  // user + system
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double start_time_seconds = 0;  // since the epoch; 0 if unknown
  std::optional<double> open_fds;
  std::optional<double> max_fds;
};
// nullopt when /proc/self/stat cannot be read.
std::optional<ProcessUsage> read_process_usage();

// The host's CPU time by mode (the `cpu` line of /proc/stat), in seconds.
inline constexpr std::array<std::string_view, 8> kCpuModes = {
    "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"};
struct HostUsage {
  std::array<double, kCpuModes.size()> cpu_seconds{};
  unsigned cpus = 0;
  double memory_total_bytes = 0;
  double memory_available_bytes = 0;
  // Bytes received and sent per network interface (/proc/net/dev), loopback included.
  std::map<std::string, std::pair<double, double>> network_bytes;
};
HostUsage read_host_usage();

// The share of CPU time (0-1) the host spent busy, and the share of one core the process used,
// between two readings: what the gauges show. Not thread safe (the admin thread keeps one).
class CpuUtilization {
 public:
  struct Shares {
    double host = 0;     // busy / all, over every CPU
    double process = 0;  // process CPU seconds / elapsed seconds (1.0 = one core)
  };
  Shares update(const HostUsage& host, const ProcessUsage* process, double now_seconds);

 private:
  double busy_ = 0, total_ = 0, process_ = 0, at_ = 0;
  bool primed_ = false;
  Shares last_;
};

}  // namespace apigw::observe
