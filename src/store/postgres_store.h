// The cluster store: PostgreSQL, shared by every node. A write runs in one transaction that
// first locks the revision row, so writers on all nodes are serialized and each sees the state it
// changes; the commit bumps the revision and sends NOTIFY apigw_config with it, which the other
// nodes LISTEN for (docs/operations.md).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "store/async_mutex.h"
#include "store/pg_connection.h"
#include "store/store.h"

namespace apigw::store {

inline constexpr std::string_view kNotifyChannel = "apigw_config";

class PostgresStore final : public Store {
 public:
  PostgresStore(const boost::asio::any_io_executor& executor, std::string url);

  std::string_view kind() const override { return "postgres"; }
  awaitable<void> open() override;
  awaitable<StoredState> load() override;
  awaitable<std::int64_t> revision() override;
  awaitable<StoredState> write(const ChangeFunction& change) override;
  void interrupt() override;

  const std::string& url() const { return url_; }

 private:
  // (Re)connects when the last operation lost the connection.
  awaitable<void> ensure_connected();
  awaitable<StoredState> read_state();
  awaitable<void> apply_changes(const StoredState& before, const Change& change);
  awaitable<void> rollback_quietly();
  // Runs a transaction; on a StoreError rolls it back (if the connection lives) and rethrows.
  awaitable<void> or_roll_back(const std::function<awaitable<void>()>& transaction);
  // Starts a transaction, reconnecting once if the connection turns out to be dead.
  awaitable<void> begin(std::string_view statement);

  std::string url_;
  PgConnection connection_;
  AsyncMutex busy_;  // one operation at a time on connection_
  // The rows at the revision this store last read or committed (see write()).
  std::optional<StoredState> last_;
};

}  // namespace apigw::store
