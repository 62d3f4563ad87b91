// The store schema, versioned: each migration runs once, in order, in its own transaction, and
// is recorded in apigw_migrations. The SQL is the common subset of SQLite and PostgreSQL.
// Never edit a released migration; append a new one.
#pragma once

#include <span>
#include <string_view>

namespace apigw::store {

struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;  // one or more statements
};

inline constexpr std::string_view kMigrationsTable =
    "CREATE TABLE IF NOT EXISTS apigw_migrations (version INTEGER PRIMARY KEY, "
    "description TEXT NOT NULL, applied_at BIGINT NOT NULL)";

inline constexpr Migration kMigrations[] = {
    {1, "entities and revision",
     "CREATE TABLE apigw_revision (id INTEGER PRIMARY KEY CHECK (id = 1), "
     "revision BIGINT NOT NULL);"
     "INSERT INTO apigw_revision (id, revision) VALUES (1, 0);"
     "CREATE TABLE apigw_entities (kind TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, "
     "seq BIGINT NOT NULL, tags TEXT NOT NULL, version BIGINT NOT NULL, "
     "created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, body TEXT NOT NULL, "
     "PRIMARY KEY (kind, id), UNIQUE (kind, name));"
     "CREATE INDEX apigw_entities_seq ON apigw_entities (seq);"},
};

inline std::span<const Migration> migrations() { return kMigrations; }

}  // namespace apigw::store
