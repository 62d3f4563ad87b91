// The entity stores of store mode (docs/operations.md): SQLite for one node, PostgreSQL for a
// cluster. A store keeps the entities and a revision number that every committed write bumps;
// nodes compare revisions to know whether they serve the latest entities.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/entity.h"
#include "store/net.h"

namespace apigw::store {

// The store cannot be reached or refused an operation. Callers keep what they serve.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct StoredState {
  std::int64_t revision = 0;             // 0: nothing was ever written
  std::vector<config::Entity> entities;  // in creation order (route ties are broken by order)
};

// What a write does to the entities it was shown.
struct Change {
  bool commit = false;  // false: nothing to write (refused, or no difference)
  // false: `entities` is the new whole set, diffed against the old one (new entities go last);
  // true: the old set is dropped and `entities` written in its order (import).
  bool replace_all = false;
  std::vector<config::Entity> entities;
};

// Decides a write from the current state, inside the store's write transaction: no other writer,
// on this node or another, runs between the read it is shown and the commit of what it returns.
using ChangeFunction = std::function<Change(const StoredState& current)>;

class Store {
 public:
  virtual ~Store() = default;
  virtual std::string_view kind() const = 0;  // "sqlite", "postgres"
  // Creates or migrates the schema. Throws StoreError.
  virtual awaitable<void> open() = 0;
  virtual awaitable<StoredState> load() = 0;
  virtual awaitable<std::int64_t> revision() = 0;
  // Runs `change` on the current state and commits what it returns with revision + 1. Returns
  // the state after the write (the unchanged state when nothing was committed).
  virtual awaitable<StoredState> write(const ChangeFunction& change) = 0;
  // Shutdown: makes the operation in progress and every later one fail at once.
  virtual void interrupt() {}
};

// Unix time in milliseconds, for created_at and updated_at.
inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace apigw::store
