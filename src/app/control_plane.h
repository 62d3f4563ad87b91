// The control plane of one node (docs/operations.md): decides where the entities come from (the
// config file, SQLite or PostgreSQL), turns every accepted admin write into a validated config
// for the gateway to publish, and in a PostgreSQL cluster follows the other nodes' writes through
// LISTEN/NOTIFY with a revision poll as the fallback. Runs on the main thread.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "admin/config_service.h"
#include "config/loader.h"
#include "config/write_scope.h"
#include "snapshot/catalog.h"
#include "store/async_mutex.h"
#include "store/mutation.h"
#include "store/pg_connection.h"
#include "store/state_cache_writer.h"
#include "store/store.h"

namespace apigw::app {

class ControlPlane final : public admin::ConfigService {
 public:
  // Publishes a validated config to the workers; returns the new snapshot's version.
  // `resolve_names`: resolve every target name again (reloads); else the last answers are kept
  // for the names already known (writes: they must not wait on DNS for a thousand upstreams).
  using Apply =
      std::function<std::uint64_t(config::Config config, std::string_view why, bool resolve_names)>;

  ControlPlane(server::net::io_context& context, std::string config_path,
               const snapshot::Catalog& registry, Apply apply);
  ~ControlPlane() override;

  // The config to serve first, from the file's load (`loaded`, with the file's text): in store
  // mode its entities come from the store, else the local cache, else the file. nullopt (after
  // logging why) when the gateway cannot start. Runs before the workers start.
  server::awaitable<std::optional<config::Config>> initial(config::LoadResult loaded,
                                                           std::string file_text);
  // Called once the first snapshot is served (version 1).
  void started(std::uint64_t snapshot_version);
  // Shutdown: interrupts store I/O and the cluster follower; idle() turns true once every
  // operation of this control plane has ended (the gateway waits for it before stopping its
  // io_context, so that no suspended operation outlives the objects it uses).
  void stop();
  bool idle() const { return running_ == 0; }
  // A binary upgrade's successor loads the store once, at its start: a write this process
  // acknowledged after that would never reach it (SQLite has no change feed). pause_writes()
  // returns once no write is in progress; until resume_writes(), writes and imports answer 503.
  server::awaitable<void> pause_writes();
  void resume_writes() { writes_paused_ = false; }
  // Called with the outcome of every reload (SIGHUP, file change, POST /admin/reload).
  std::function<void(bool ok)> on_reload;
  // The config being served (the current snapshot's), which an admin write changes in place of
  // converting every entity again; null: every write checks the whole set.
  std::function<const config::Config*()> served_config;

  admin::ConfigStatus status() const override;
  const std::vector<config::Entity>& entities() const override { return entities_; }
  server::awaitable<admin::WriteOutcome> write(store::Mutation mutation) override;
  server::awaitable<admin::WriteOutcome> import(std::vector<config::Entity> entities) override;
  std::vector<admin::ErrorDetail> validate(
      const std::vector<config::Entity>& entities) const override;
  std::vector<admin::ErrorDetail> validate_file(std::string_view text, bool yaml) const override;
  server::awaitable<admin::WriteOutcome> reload() override;

 private:
  bool store_mode() const { return store_ != nullptr; }
  // The file's text with `entities` in place of its own (store mode); `names`: see
  // config::EntityNames.
  config::LoadResult compose(const std::vector<config::Entity>& entities,
                             const config::EntityNames* names = nullptr) const;
  // The file's text parsed once (null if it does not parse).
  const config::FileSections* sections() const;
  // Serves `state` if it is newer than what is served (or the same, `again`) and makes a valid
  // config; logs and keeps the current one otherwise.
  bool adopt(const store::StoredState& state, std::string_view why, bool again = false);
  void serve(config::Config config, std::vector<config::Entity> entities, std::int64_t revision,
             std::string_view why, bool resolve_names = false);
  // The config after an admin write (`result`, applied to `current`), or its errors: checked on
  // the write's scope (config/write_scope.h) and applied to the served config when that is
  // `current`'s, else by a load of the whole set.
  config::LoadResult check_write(const store::StoredState& current,
                                 const store::MutationResult& result, bool removed);
  // Decides a write inside the store's transaction: the change, the outcome to answer, and the
  // config to serve once it is committed.
  using Decide = std::function<store::Change(const store::StoredState&, admin::WriteOutcome&,
                                             std::optional<config::Config>&)>;
  server::awaitable<admin::WriteOutcome> commit(const Decide& decide);
  // Opens the store, seeds an empty one with the file's entities, and loads it.
  server::awaitable<store::StoredState> open_store();
  server::awaitable<admin::WriteOutcome> reload_locked();
  server::awaitable<void> follow_cluster();
  server::awaitable<void> refresh(std::string_view why);
  void save_cache(const store::StoredState& state);
  // After an admin write: the served entities are written to the cache within kCacheDelay, once
  // for all the writes of that time (see control_plane.cpp).
  void save_cache_soon();
  void flush_cache();
  void store_failed(const std::string& what);
  void store_ok();

  server::net::io_context& context_;
  std::string config_path_;
  const snapshot::Catalog& registry_;
  Apply apply_;

  std::string file_text_;
  // file_text_ parsed, and the text it was parsed from (a cache: compose() is const).
  mutable std::unique_ptr<config::FileSections> sections_;
  mutable std::string sections_text_;
  config::StoreConfig store_config_;
  std::vector<config::Entity> file_entities_;
  std::unique_ptr<store::Store> store_;
  bool store_open_ = false;
  std::vector<config::Entity> entities_;
  std::int64_t revision_ = 0;
  std::int64_t refused_revision_ = -1;  // a stored revision that does not validate (logged once)
  std::uint64_t snapshot_version_ = 0;
  std::int64_t loaded_at_ = 0;
  bool store_reachable_ = true;
  std::string store_error_;
  bool from_cache_ = false;
  bool stopping_ = false;
  bool writes_paused_ = false;
  int running_ = 0;        // operations in progress (see idle())
  double checked_ms_ = 0;  // the validation time of the write in progress, for its log line
  config::ReferenceCache references_;  // what each entity names, for write scopes
  // One operation at a time (write, import, reload, refresh): each composes from the file text and
  // entities another would change across its awaits.
  store::AsyncMutex busy_;

  std::unique_ptr<store::PgConnection> listener_;
  server::steady_timer retry_timer_;
  server::steady_timer cache_timer_;
  bool cache_due_ = false;
  std::unique_ptr<store::StateCacheWriter> cache_writer_;  // postgres: made at the first save
};

}  // namespace apigw::app
