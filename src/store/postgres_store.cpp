#include "store/postgres_store.h"

#include <functional>

#include "store/entity_rows.h"
#include "store/schema.h"

namespace apigw::store {

namespace {
constexpr std::chrono::milliseconds kConnectTimeout{2'000};
// Any constant: taken by every node's migration transaction so two nodes starting at once do not
// both create the schema.
constexpr std::string_view kMigrationLock = "SELECT pg_advisory_xact_lock(7318032)";

std::int64_t to_int(const std::string& text) {
  try {
    return std::stoll(text);
  } catch (const std::exception&) {
    throw StoreError("postgres: unexpected value '" + text + "'");
  }
}
}  // namespace

PostgresStore::PostgresStore(const boost::asio::any_io_executor& executor, std::string url)
    : url_(std::move(url)), connection_(executor), busy_(executor) {}

awaitable<void> PostgresStore::ensure_connected() {
  if (!connection_.connected()) co_await connection_.connect(url_, kConnectTimeout);
}

awaitable<void> PostgresStore::begin(std::string_view statement) {
  try {
    co_await connection_.exec(statement);
    co_return;
  } catch (const StoreError&) {
    // A connection the server dropped (a restart, an idle timeout) fails on first use. Nothing
    // was sent in a transaction yet, so one fresh connection may try again.
    if (connection_.connected()) throw;
  }
  co_await connection_.connect(url_, kConnectTimeout);
  co_await connection_.exec(statement);
}

awaitable<void> PostgresStore::or_roll_back(const std::function<awaitable<void>()>& transaction) {
  std::exception_ptr failure;
  try {
    co_await transaction();
  } catch (...) {
    // Whatever failed, the transaction must not stay open holding the revision row's lock.
    failure = std::current_exception();
  }
  // co_await is not allowed in a handler, hence the exception_ptr.
  if (failure) {
    co_await rollback_quietly();
    std::rethrow_exception(failure);
  }
}

awaitable<void> PostgresStore::rollback_quietly() {
  if (!connection_.connected()) co_return;
  try {
    co_await connection_.exec("ROLLBACK");
  } catch (const StoreError&) {
    connection_.close();
  }
}

awaitable<void> PostgresStore::open() {
  const auto guard = co_await busy_.lock();
  co_await ensure_connected();
  const std::function<awaitable<void>()> migrate = [&]() -> awaitable<void> {
    co_await connection_.exec("BEGIN");
    co_await connection_.exec(kMigrationLock);
    co_await connection_.exec(kMigrationsTable);
    const PgRows applied =
        co_await connection_.exec("SELECT COALESCE(MAX(version), 0) FROM apigw_migrations");
    const std::int64_t done = to_int(applied.at(0, 0));
    for (std::size_t i = 0; i < migrations().size(); ++i) {
      const Migration* migration = &migrations()[i];
      if (migration->version <= done) continue;
      co_await connection_.exec(migration->sql);
      std::vector<std::string> params{std::to_string(migration->version),
                                      std::string(migration->description),
                                      std::to_string(now_ms())};
      co_await connection_.exec(
          "INSERT INTO apigw_migrations (version, description, applied_at) VALUES ($1, $2, $3)",
          params);
    }
    co_await connection_.exec("COMMIT");
  };
  co_await or_roll_back(migrate);
}

awaitable<StoredState> PostgresStore::read_state() {
  StoredState state;
  const PgRows revision =
      co_await connection_.exec("SELECT revision FROM apigw_revision WHERE id = 1");
  state.revision = revision.rows.empty() ? 0 : to_int(revision.at(0, 0));
  const PgRows rows = co_await connection_.exec(
      "SELECT kind, id, name, tags, version, created_at, updated_at, body "
      "FROM apigw_entities ORDER BY seq");
  for (std::size_t r = 0; r < rows.rows.size(); ++r) {
    const auto kind = kind_from_column(rows.at(r, 0));
    if (!kind) continue;  // a kind a newer apigw wrote: not ours to serve
    config::Entity entity;
    entity.kind = *kind;
    entity.id = rows.at(r, 1);
    entity.name = rows.at(r, 2);
    entity.tags = tags_from_json(rows.at(r, 3));
    entity.version = to_int(rows.at(r, 4));
    entity.created_at = to_int(rows.at(r, 5));
    entity.updated_at = to_int(rows.at(r, 6));
    entity.body = rows.at(r, 7);
    state.entities.push_back(std::move(entity));
  }
  co_return state;
}

awaitable<StoredState> PostgresStore::load() {
  const auto guard = co_await busy_.lock();
  co_await ensure_connected();
  StoredState state;
  const std::function<awaitable<void>()> read = [&]() -> awaitable<void> {
    // One snapshot of both tables.
    co_await begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    state = co_await read_state();
    co_await connection_.exec("COMMIT");
  };
  co_await or_roll_back(read);
  last_ = state;
  co_return state;
}

awaitable<std::int64_t> PostgresStore::revision() {
  const auto guard = co_await busy_.lock();
  co_await ensure_connected();
  std::int64_t revision = 0;
  const std::function<awaitable<void>()> read = [&]() -> awaitable<void> {
    co_await begin("BEGIN READ ONLY");
    const PgRows rows =
        co_await connection_.exec("SELECT revision FROM apigw_revision WHERE id = 1");
    co_await connection_.exec("COMMIT");
    revision = rows.rows.empty() ? 0 : to_int(rows.at(0, 0));
  };
  co_await or_roll_back(read);
  co_return revision;
}

void PostgresStore::interrupt() { connection_.cancel_wait(); }

awaitable<void> PostgresStore::apply_changes(const StoredState& before, const Change& change) {
  const auto row_params = [](const config::Entity& entity) {
    return std::vector<std::string>{kind_column(entity.kind),
                                    entity.id,
                                    entity.name,
                                    tags_to_json(entity.tags),
                                    std::to_string(entity.version),
                                    std::to_string(entity.created_at),
                                    std::to_string(entity.updated_at),
                                    entity.body};
  };
  const PgRows max_seq =
      co_await connection_.exec("SELECT COALESCE(MAX(seq), 0) FROM apigw_entities");
  std::int64_t seq = to_int(max_seq.at(0, 0));
  const auto insert = [&](const config::Entity& entity) -> awaitable<void> {
    auto params = row_params(entity);
    params.push_back(std::to_string(++seq));
    co_await connection_.exec(
        "INSERT INTO apigw_entities (kind, id, name, tags, version, created_at, updated_at, "
        "body, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        params);
  };
  if (change.replace_all) {
    co_await connection_.exec("DELETE FROM apigw_entities");
    for (const auto& entity : change.entities) co_await insert(entity);
    co_return;
  }
  const RowChanges rows = diff_rows(before.entities, change.entities);
  for (const auto* entity : rows.deletes) {
    // Named, not braced in the co_await: GCC 12 miscompiles initializer lists in coroutines.
    std::vector<std::string> key{kind_column(entity->kind), entity->id};
    co_await connection_.exec("DELETE FROM apigw_entities WHERE kind = $1 AND id = $2", key);
  }
  for (const auto* entity : rows.updates) {
    co_await connection_.exec(
        "UPDATE apigw_entities SET name = $3, tags = $4, version = $5, created_at = $6, "
        "updated_at = $7, body = $8 WHERE kind = $1 AND id = $2",
        row_params(*entity));
  }
  for (const auto* entity : rows.inserts) co_await insert(*entity);
}

awaitable<StoredState> PostgresStore::write(const ChangeFunction& change) {
  const auto guard = co_await busy_.lock();
  co_await ensure_connected();
  StoredState result;
  const std::function<awaitable<void>()> transaction = [&]() -> awaitable<void> {
    co_await begin("BEGIN");
    // The row lock serializes writers across nodes until COMMIT.
    const PgRows locked =
        co_await connection_.exec("SELECT revision FROM apigw_revision WHERE id = 1 FOR UPDATE");
    const std::int64_t revision = locked.rows.empty() ? 0 : to_int(locked.at(0, 0));
    // Every committed write bumps the revision, on whichever node wrote it: at the revision this
    // store last read or wrote, the rows are what it holds. Reading them (10,000 rows, twice per
    // write) was most of a write's time.
    if (!last_ || last_->revision != revision) {
      StoredState fresh = co_await read_state();
      last_ = std::move(fresh);
    }
    const StoredState& state = *last_;
    Change decided = change(state);
    const bool empty = !decided.replace_all && diff_rows(state.entities, decided.entities).empty();
    if (!decided.commit || empty) {
      co_await connection_.exec("ROLLBACK");
      result = state;
      co_return;
    }
    co_await apply_changes(state, decided);
    const PgRows bumped = co_await connection_.exec(
        "UPDATE apigw_revision SET revision = revision + 1 WHERE id = 1 RETURNING revision");
    const std::string committed_revision = bumped.at(0, 0);
    // Delivered to every listener at COMMIT, never for a rolled-back write.
    std::vector<std::string> notify{std::string(kNotifyChannel), committed_revision};
    co_await connection_.exec("SELECT pg_notify($1, $2)", notify);
    try {
      co_await connection_.exec("COMMIT");
    } catch (const StoreError& error) {
      last_.reset();  // applied or not: the next write reads the rows
      throw StoreError(std::string(error.what()) +
                       " (during COMMIT: the write may or may not have been applied)");
    }
    // What was just committed, without reading it back: the rows are `decided.entities` in this
    // order (updates keep their seq, inserts come last), and no other writer ran in between (the
    // revision row stayed locked).
    last_ = StoredState{to_int(committed_revision), std::move(decided.entities)};
    result = *last_;
  };
  co_await or_roll_back(transaction);
  co_return result;
}

}  // namespace apigw::store
