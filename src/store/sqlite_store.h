// The embedded store: one SQLite file in WAL mode with synchronous=FULL, so a write the admin
// API acknowledged survives a crash of the process or of the machine. Calls are synchronous: a
// local write takes about a millisecond, and they run on the main thread, never on a worker.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "store/store.h"

struct sqlite3;

namespace apigw::store {

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(std::string path);
  ~SqliteStore() override;

  std::string_view kind() const override { return "sqlite"; }
  awaitable<void> open() override;
  awaitable<StoredState> load() override;
  awaitable<std::int64_t> revision() override;
  awaitable<StoredState> write(const ChangeFunction& change) override;

  // The synchronous forms of the above (the awaitables are these, already complete).
  void open_now();
  StoredState load_now();
  StoredState write_now(const ChangeFunction& change);

 private:
  void exec(const std::string& sql);
  void rollback() noexcept;
  std::int64_t read_revision();
  std::vector<config::Entity> read_entities();
  [[noreturn]] void fail(const std::string& what);

  std::string path_;
  sqlite3* db_ = nullptr;
  // The state at the revision last read or written (see write_now).
  std::optional<StoredState> last_;
};

}  // namespace apigw::store
