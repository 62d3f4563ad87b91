// The last entity set a node loaded from PostgreSQL, kept on local disk, so a node that starts
// while the database is down serves what the cluster last agreed on instead of nothing. Written
// atomically (temporary file, fsync, rename): a crash leaves the old cache or the new one.
#pragma once

#include <optional>
#include <string>

#include "store/store.h"

namespace apigw::store {

// Throws StoreError when the file cannot be written.
void write_state_cache(const std::string& path, std::int64_t revision,
                       const std::vector<config::Entity>& entities);
inline void write_state_cache(const std::string& path, const StoredState& state) {
  write_state_cache(path, state.revision, state.entities);
}
// nullopt when the file is missing or unreadable (a damaged cache is ignored, never trusted).
std::optional<StoredState> read_state_cache(const std::string& path, std::string& error);

}  // namespace apigw::store
