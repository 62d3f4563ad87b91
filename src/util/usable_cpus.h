// How many CPUs this process can actually use: the CPUs of its affinity mask, fewer when its
// cgroup caps CPU time (a container's --cpus, systemd's CPUQuota=). The default worker count:
// one per CPU of the host in a container limited to one CPU would run dozens of threads that take
// turns on that CPU, each with its own connections waiting behind the others.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>

namespace apigw::util {

// max(1, min(affinity CPUs, the cgroup's CPU limit rounded up)).
std::size_t usable_cpus();

// The CPU limit of the cgroup of this process and of its ancestors (the smallest), in CPUs,
// read from `root` ("/" on a real system; a fake tree in tests): cgroup v2's cpu.max or v1's
// cpu.cfs_quota_us / cpu.cfs_period_us. nullopt: no limit, or nothing readable.
std::optional<double> cgroup_cpu_limit(const std::filesystem::path& root = "/");

}  // namespace apigw::util
