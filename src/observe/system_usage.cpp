#include "observe/system_usage.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace apigw::observe {
namespace {

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

std::optional<ProcessUsage> read_process_usage() {
  const std::vector<std::string> fields = stat_fields();
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  // Fields 14 and 15 (utime, stime), 22 (starttime, ticks after boot), 23 (vsize), 24 (rss pages).
  if (fields.size() <= 21 || ticks <= 0) return std::nullopt;
  ProcessUsage usage;
  usage.cpu_seconds = (std::stod(fields[11]) + std::stod(fields[12])) / ticks;
  usage.virtual_bytes = std::stod(fields[20]);
  usage.resident_bytes = std::stod(fields[21]) * page;
  if (const double boot = boot_time(); boot > 0) {
    usage.start_time_seconds = boot + std::stod(fields[19]) / ticks;
  }
  std::error_code error;
  std::size_t open = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", error);
       !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    ++open;
  }
  if (!error) usage.open_fds = static_cast<double>(open > 0 ? open - 1 : 0);  // less the iterator's
  if (rlimit limit{}; ::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    usage.max_fds = static_cast<double>(limit.rlim_cur);
  }
  return usage;
}

HostUsage read_host_usage() {
  HostUsage usage;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::ifstream stat("/proc/stat");
  for (std::string line; std::getline(stat, line);) {
    if (line.rfind("cpu ", 0) == 0 && ticks > 0) {
      std::istringstream fields(line.substr(4));
      for (double& seconds : usage.cpu_seconds) {
        double value = 0;
        if (!(fields >> value)) break;
        seconds = value / ticks;
      }
    } else if (line.rfind("cpu", 0) == 0) {
      ++usage.cpus;
    }
  }
  std::ifstream meminfo("/proc/meminfo");
  for (std::string name; meminfo >> name;) {
    double kib = 0;
    meminfo >> kib;
    if (name == "MemTotal:") usage.memory_total_bytes = kib * 1024;
    if (name == "MemAvailable:") usage.memory_available_bytes = kib * 1024;
    meminfo.ignore(256, '\n');
  }
  // "  eth0: rx_bytes rx_packets ... (8 receive fields) tx_bytes ...", after two header lines.
  std::ifstream dev("/proc/net/dev");
  std::string line;
  for (int header = 0; header < 2 && std::getline(dev, line); ++header) {
  }
  while (std::getline(dev, line)) {
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    name.erase(0, name.find_first_not_of(' '));
    std::istringstream fields(line.substr(colon + 1));
    std::vector<double> values;
    for (double value; fields >> value;) values.push_back(value);
    if (values.size() >= 9) usage.network_bytes[name] = {values[0], values[8]};
  }
  return usage;
}

CpuUtilization::Shares CpuUtilization::update(const HostUsage& host, const ProcessUsage* process,
                                              double now_seconds) {
  double total = 0;
  for (const double seconds : host.cpu_seconds) total += seconds;
  // idle and iowait are not busy.
  const double busy = total - host.cpu_seconds[3] - host.cpu_seconds[4];
  const double process_seconds = process != nullptr ? process->cpu_seconds : 0;
  // Readings less than 0.5 s apart keep the last shares: /proc's ticks are too coarse for them.
  if (primed_ && now_seconds - at_ < 0.5) return last_;
  if (primed_ && total > total_) {
    last_.host = (busy - busy_) / (total - total_);
    last_.process = (process_seconds - process_) / (now_seconds - at_);
  } else if (!primed_ && total > 0) {
    last_.host = busy / total;  // since boot, until there is an interval
  }
  busy_ = busy;
  total_ = total;
  process_ = process_seconds;
  at_ = now_seconds;
  primed_ = true;
  return last_;
}

}  // namespace apigw::observe
