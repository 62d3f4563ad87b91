#include "observe/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "observe/metrics.h"

namespace apigw::observe {
namespace {

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            double value) {
  char number[64];
  std::snprintf(number, sizeof number, "%.17g", value);
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  out.append(name).append(" ").append(number).append("\n");
}

// The fields of /proc/self/stat after the command name (which may hold spaces): [0] is field 3.
std::vector<std::string> stat_fields() {
  std::ifstream file("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(file)), {});
  std::vector<std::string> fields;
  const std::size_t end_of_name = text.rfind(')');
  if (end_of_name == std::string::npos) return fields;
  std::istringstream rest(text.substr(end_of_name + 1));
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}

// Seconds since the epoch at which the machine booted (/proc/stat btime); 0 if unknown.
double boot_time() {
  std::ifstream file("/proc/stat");
  for (std::string line; std::getline(file, line);) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return 0;
}

}  // namespace

void append_process_metrics(std::string& out) {
  const std::vector<std::string> fields = stat_fields();
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  // Fields 14 and 15 (utime, stime), 22 (starttime, ticks after boot), 23 (vsize), 24 (rss pages).
  if (fields.size() > 21 && ticks > 0) {
    const double cpu = (std::stod(fields[11]) + std::stod(fields[12])) / ticks;
    family(out, "process_cpu_seconds_total", "counter",
           "Total user and system CPU time spent in seconds.", cpu);
    family(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
           std::stod(fields[20]));
    family(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
           std::stod(fields[21]) * page);
    if (const double boot = boot_time(); boot > 0) {
      family(out, "process_start_time_seconds", "gauge",
             "Start time of the process since unix epoch in seconds.",
             boot + std::stod(fields[19]) / ticks);
    }
  }
  std::error_code error;
  std::size_t open = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    ++open;
  }
  if (!error) {
    family(out, "process_open_fds", "gauge", "Number of open file descriptors.",
           static_cast<double>(open > 0 ? open - 1 : 0));  // less the iterator's own
  }
  if (rlimit limit{}; ::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    family(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
           static_cast<double>(limit.rlim_cur));
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
