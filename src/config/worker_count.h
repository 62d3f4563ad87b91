// How many workers a server config runs: `workers`, or one per core when it is 0.
#pragma once

#include <algorithm>
#include <cstddef>
#include <thread>

#include "config/schema.h"

namespace apigw::config {

inline std::size_t worker_count(const ServerConfig& server) {
  return server.workers != 0 ? server.workers : std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace apigw::config
