// The process's own gauges and counters in the names every Prometheus client library uses
// (process_cpu_seconds_total, process_resident_memory_bytes, process_open_fds,
// process_start_time_seconds, ...), read from /proc when /metrics is scraped, and the
// apigw_build_info series.
#pragma once

#include <string>
#include <string_view>

namespace apigw::observe {

// Appends the process_* families, read from /proc/self now (families /proc cannot give are left
// out).
void append_process_metrics(std::string& out);

// Appends apigw_build_info{version,commit} 1.
void append_build_info(std::string& out, std::string_view version, std::string_view commit);

}  // namespace apigw::observe
