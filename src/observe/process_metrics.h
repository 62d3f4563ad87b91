// The process's own gauges and counters in the names every Prometheus client library uses
// (process_cpu_seconds_total, process_resident_memory_bytes, process_open_fds,
// process_start_time_seconds, ...), the host's (apigw_host_*), both read from /proc when
// /metrics is scraped (system_usage.h), and the apigw_build_info series.
#pragma once

#include <string>
#include <string_view>

#include "observe/system_usage.h"

namespace apigw::observe {

// Appends the process_* families (none when /proc could not be read: null).
void append_process_metrics(std::string& out, const ProcessUsage* usage);

// Appends the apigw_host_* families and the CPU utilisation gauges.
void append_host_metrics(std::string& out, const HostUsage& host,
                         const CpuUtilization::Shares& shares);

// Appends apigw_build_info{version,commit} 1.
void append_build_info(std::string& out, std::string_view version, std::string_view commit);

}  // namespace apigw::observe
