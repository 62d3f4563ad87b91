#include "store/sqlite_store.h"

#include <sqlite3.h>

#include "store/entity_rows.h"
#include "store/schema.h"

namespace apigw::store {
namespace {

// A prepared statement, finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
        SQLITE_OK) {
      throw StoreError(std::string("sqlite: ") + sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int index, std::int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  // True while there is a row to read.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw StoreError(std::string("sqlite: ") + sqlite3_errmsg(db_));
  }
  std::string text(int column) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return data == nullptr ? std::string() : std::string(data, sqlite3_column_bytes(stmt_, column));
  }
  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

void bind_entity(Statement& statement, const config::Entity& entity) {
  statement.bind(1, kind_column(entity.kind))
      .bind(2, entity.id)
      .bind(3, entity.name)
      .bind(4, tags_to_json(entity.tags))
      .bind(5, entity.version)
      .bind(6, entity.created_at)
      .bind(7, entity.updated_at)
      .bind(8, entity.body);
}

}  // namespace

SqliteStore::SqliteStore(std::string path) : path_(std::move(path)) {}

SqliteStore::~SqliteStore() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

void SqliteStore::fail(const std::string& what) {
  throw StoreError("sqlite " + path_ + ": " + what + ": " +
                   (db_ != nullptr ? sqlite3_errmsg(db_) : "cannot open"));
}

void SqliteStore::exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string text = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    throw StoreError("sqlite " + path_ + ": " + text);
  }
}

void SqliteStore::rollback() noexcept {
  // After a failed statement SQLite may have rolled back already; a second one is harmless.
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void SqliteStore::open_now() {
  if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    fail("open");
  }
  // WAL: readers never block the writer; synchronous=FULL: a commit is on disk before the admin
  // API answers. busy_timeout covers a backup tool holding the file for a moment.
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=FULL");
  exec("PRAGMA busy_timeout=5000");
  exec(std::string(kMigrationsTable));
  int applied = 0;
  {
    Statement query(db_, "SELECT COALESCE(MAX(version), 0) FROM apigw_migrations");
    if (query.step()) applied = static_cast<int>(query.integer(0));
  }
  for (const Migration& migration : migrations()) {
    if (migration.version <= applied) continue;
    exec("BEGIN IMMEDIATE");
    try {
      exec(std::string(migration.sql));
      Statement record(db_,
                       "INSERT INTO apigw_migrations (version, description, applied_at) "
                       "VALUES (?1, ?2, ?3)");
      record.bind(1, static_cast<std::int64_t>(migration.version))
          .bind(2, migration.description)
          .bind(3, now_ms());
      record.step();
      exec("COMMIT");
    } catch (...) {
      rollback();
      throw;
    }
  }
}

std::int64_t SqliteStore::read_revision() {
  Statement query(db_, "SELECT revision FROM apigw_revision WHERE id = 1");
  return query.step() ? query.integer(0) : 0;
}

std::vector<config::Entity> SqliteStore::read_entities() {
  Statement query(db_,
                  "SELECT kind, id, name, tags, version, created_at, updated_at, body "
                  "FROM apigw_entities ORDER BY seq");
  std::vector<config::Entity> entities;
  while (query.step()) {
    const auto kind = kind_from_column(query.text(0));
    if (!kind) continue;  // a kind a newer apigw wrote: not ours to serve
    config::Entity entity;
    entity.kind = *kind;
    entity.id = query.text(1);
    entity.name = query.text(2);
    entity.tags = tags_from_json(query.text(3));
    entity.version = query.integer(4);
    entity.created_at = query.integer(5);
    entity.updated_at = query.integer(6);
    entity.body = query.text(7);
    entities.push_back(std::move(entity));
  }
  return entities;
}

StoredState SqliteStore::load_now() {
  exec("BEGIN");
  StoredState state;
  try {
    state.revision = read_revision();
    state.entities = read_entities();
  } catch (...) {
    rollback();
    throw;
  }
  exec("COMMIT");
  last_ = state;
  return state;
}

StoredState SqliteStore::write_now(const ChangeFunction& change) {
  exec("BEGIN IMMEDIATE");
  try {
    const std::int64_t revision = read_revision();
    // Every committed write bumps the revision, whichever process wrote: at the revision this
    // store last read or wrote, the rows are what it holds, and reading 10,000 of them again
    // cost as much as the rest of a write.
    if (!last_ || last_->revision != revision) last_ = StoredState{revision, read_entities()};
    const StoredState& state = *last_;
    Change decided = change(state);
    const RowChanges rows =
        decided.replace_all ? RowChanges{} : diff_rows(state.entities, decided.entities);
    if (!decided.commit || (!decided.replace_all && rows.empty())) {
      exec("ROLLBACK");
      return state;
    }
    std::int64_t seq = 0;
    {
      Statement max_seq(db_, "SELECT COALESCE(MAX(seq), 0) FROM apigw_entities");
      if (max_seq.step()) seq = max_seq.integer(0);
    }
    const auto insert = [&](const config::Entity& entity) {
      Statement statement(db_,
                          "INSERT INTO apigw_entities (kind, id, name, tags, version, created_at, "
                          "updated_at, body, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
      bind_entity(statement, entity);
      statement.bind(9, ++seq);
      statement.step();
    };
    if (decided.replace_all) {
      exec("DELETE FROM apigw_entities");
      for (const auto& entity : decided.entities) insert(entity);
    } else {
      for (const auto* entity : rows.deletes) {
        Statement statement(db_, "DELETE FROM apigw_entities WHERE kind = ?1 AND id = ?2");
        statement.bind(1, kind_column(entity->kind)).bind(2, entity->id);
        statement.step();
      }
      for (const auto* entity : rows.updates) {
        Statement statement(db_,
                            "UPDATE apigw_entities SET name = ?3, tags = ?4, version = ?5, "
                            "created_at = ?6, updated_at = ?7, body = ?8 "
                            "WHERE kind = ?1 AND id = ?2");
        bind_entity(statement, *entity);
        statement.step();
      }
      for (const auto* entity : rows.inserts) insert(*entity);
    }
    exec("UPDATE apigw_revision SET revision = revision + 1 WHERE id = 1");
    exec("COMMIT");
    // What was just committed, without reading it back: the rows are `decided.entities` in this
    // order (updates keep their place, inserts come last), and no other writer ran in between
    // (BEGIN IMMEDIATE).
    last_ = StoredState{revision + 1, std::move(decided.entities)};
    return *last_;
  } catch (...) {
    rollback();
    throw;
  }
}

awaitable<void> SqliteStore::open() {
  open_now();
  co_return;
}

awaitable<StoredState> SqliteStore::load() { co_return load_now(); }

awaitable<std::int64_t> SqliteStore::revision() { co_return read_revision(); }

awaitable<StoredState> SqliteStore::write(const ChangeFunction& change) {
  co_return write_now(change);
}

}  // namespace apigw::store
