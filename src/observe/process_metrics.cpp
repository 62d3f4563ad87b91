#include "observe/process_metrics.h"

#include <cstdio>

#include "observe/metrics.h"

namespace apigw::observe {
namespace {

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void sample(std::string& out, std::string_view name, std::string_view labels, double value) {
  char number[64];
  std::snprintf(number, sizeof number, "%.17g", value);
  out.append(name).append(labels).append(" ").append(number).append("\n");
}

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            double value) {
  header(out, name, type, help);
  sample(out, name, "", value);
}

}  // namespace

void append_process_metrics(std::string& out, const ProcessUsage* usage) {
  if (usage == nullptr) return;
  family(out, "process_cpu_seconds_total", "counter",
         "Total user and system CPU time spent in seconds.", usage->cpu_seconds);
  family(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
         usage->virtual_bytes);
  family(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
         usage->resident_bytes);
  if (usage->start_time_seconds > 0) {
    family(out, "process_start_time_seconds", "gauge",
           "Start time of the process since unix epoch in seconds.", usage->start_time_seconds);
  }
  if (usage->open_fds) {
    family(out, "process_open_fds", "gauge", "Number of open file descriptors.", *usage->open_fds);
  }
  if (usage->max_fds) {
    family(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
           *usage->max_fds);
  }
}

void append_host_metrics(std::string& out, const HostUsage& host,
                         const CpuUtilization::Shares& shares) {
  header(out, "apigw_host_cpu_seconds_total", "counter",
         "CPU time of the whole host by mode (/proc/stat), over all CPUs.");
  for (std::size_t i = 0; i < kCpuModes.size(); ++i) {
    sample(out, "apigw_host_cpu_seconds_total", "{mode=\"" + std::string(kCpuModes[i]) + "\"}",
           host.cpu_seconds[i]);
  }
  family(out, "apigw_host_cpus", "gauge", "CPUs of the host.", host.cpus);
  family(out, "apigw_host_cpu_utilization_ratio", "gauge",
         "Share of the host's CPU time spent busy (not idle or iowait) since the previous reading "
         "(a scrape or GET /admin/stats).",
         shares.host);
  family(out, "apigw_process_cpu_utilization_ratio", "gauge",
         "CPU seconds the gateway used per second since the previous reading (a scrape or GET "
         "/admin/stats; 1 = one core).",
         shares.process);
  family(out, "apigw_host_memory_total_bytes", "gauge", "The host's memory (MemTotal).",
         host.memory_total_bytes);
  family(out, "apigw_host_memory_available_bytes", "gauge",
         "Memory available to new work on the host (MemAvailable).", host.memory_available_bytes);
  header(out, "apigw_host_network_receive_bytes_total", "counter",
         "Bytes received by each network interface of the host (/proc/net/dev).");
  for (const auto& [device, bytes] : host.network_bytes) {
    sample(out, "apigw_host_network_receive_bytes_total",
           "{device=\"" + prometheus_label_value(device) + "\"}", bytes.first);
  }
  header(out, "apigw_host_network_transmit_bytes_total", "counter",
         "Bytes sent by each network interface of the host (/proc/net/dev).");
  for (const auto& [device, bytes] : host.network_bytes) {
    sample(out, "apigw_host_network_transmit_bytes_total",
           "{device=\"" + prometheus_label_value(device) + "\"}", bytes.second);
  }
}

void append_build_info(std::string& out, std::string_view version, std::string_view commit) {
  out.append(
      "# HELP apigw_build_info The running build: its version and commit (apigw version).\n"
      "# TYPE apigw_build_info gauge\n");
  out.append("apigw_build_info{version=\"").append(prometheus_label_value(version));
  out.append("\",commit=\"").append(prometheus_label_value(commit)).append("\"} 1\n");
}

}  // namespace apigw::observe
