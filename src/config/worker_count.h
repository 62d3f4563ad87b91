// How many workers a server config runs: `workers`, or one per usable CPU when it is 0 (the
// affinity mask and the cgroup's CPU limit counted: util/usable_cpus.h).
#pragma once

#include <algorithm>
#include <cstddef>

#include "config/schema.h"
#include "util/usable_cpus.h"

namespace apigw::config {

inline std::size_t worker_count(const ServerConfig& server) {
  if (server.workers != 0) return server.workers;
  // Read once: the answer does not change while the process runs, and reloads ask again.
  static const std::size_t cpus = std::min<std::size_t>(util::usable_cpus(), 256);
  return cpus;
}

}  // namespace apigw::config
