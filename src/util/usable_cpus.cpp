#include "util/usable_cpus.h"

#include <sched.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace apigw::util {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> read_first_line(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  return line;
}

void keep_smaller(std::optional<double>& limit, std::optional<double> found) {
  if (found && (!limit || *found < *limit)) limit = found;
}

// cgroup v2: "max 100000" (no limit) or "QUOTA PERIOD".
std::optional<double> v2_limit(const fs::path& directory) {
  const auto line = read_first_line(directory / "cpu.max");
  if (!line) return std::nullopt;
  std::istringstream words(*line);
  std::string quota;
  double period = 0;
  if (!(words >> quota >> period) || quota == "max" || period <= 0) return std::nullopt;
  try {
    const double value = std::stod(quota) / period;
    return value > 0 ? std::optional<double>(value) : std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// cgroup v1: cpu.cfs_quota_us is -1 without a limit.
std::optional<double> v1_limit(const fs::path& directory) {
  const auto quota = read_first_line(directory / "cpu.cfs_quota_us");
  const auto period = read_first_line(directory / "cpu.cfs_period_us");
  if (!quota || !period) return std::nullopt;
  try {
    const double q = std::stod(*quota);
    const double p = std::stod(*period);
    return q > 0 && p > 0 ? std::optional<double>(q / p) : std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The directory `cgroup` (a path from /proc/self/cgroup) and each of its ancestors under `mount`.
// In a container with its own cgroup namespace the path is "/" and the mount is the container's.
template <typename Limit>
void walk_up(const fs::path& mount, const std::string& cgroup, Limit limit,
             std::optional<double>& smallest) {
  fs::path relative = fs::path(cgroup).relative_path();
  for (;;) {
    keep_smaller(smallest, limit(mount / relative));
    if (relative.empty()) break;
    relative = relative.parent_path();
  }
}

}  // namespace

std::optional<double> cgroup_cpu_limit(const fs::path& root) {
  std::ifstream cgroups(root / "proc/self/cgroup");
  std::optional<double> smallest;
  for (std::string line; std::getline(cgroups, line);) {
    // "hierarchy-id:controllers:path"
    const std::size_t first = line.find(':');
    const std::size_t second = first == std::string::npos ? first : line.find(':', first + 1);
    if (second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    if (controllers.empty()) {
      walk_up(root / "sys/fs/cgroup", path, v2_limit, smallest);
      continue;
    }
    std::istringstream names(controllers);
    bool cpu = false;
    for (std::string name; std::getline(names, name, ',');) cpu = cpu || name == "cpu";
    if (!cpu) continue;
    for (const char* mount : {"sys/fs/cgroup/cpu,cpuacct", "sys/fs/cgroup/cpu"}) {
      walk_up(root / mount, path, v1_limit, smallest);
    }
  }
  return smallest;
}

std::size_t usable_cpus() {
  std::size_t cpus = std::max(1u, std::thread::hardware_concurrency());
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) {
    cpus = static_cast<std::size_t>(CPU_COUNT(&set));
  }
  if (const auto limit = cgroup_cpu_limit()) {
    cpus = std::min(cpus, static_cast<std::size_t>(std::ceil(*limit)));
  }
  return std::max<std::size_t>(1, cpus);
}

}  // namespace apigw::util
