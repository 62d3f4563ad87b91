#include "app/control_plane.h"

#include <chrono>
#include <cstdio>
#include <random>

#include "config/write_scope.h"
#include "store/mutation.h"
#include "store/postgres_store.h"
#include "store/sqlite_store.h"
#include "store/state_cache.h"
#include "store/state_cache_writer.h"
#include "util/log.h"

namespace apigw::app {

using namespace std::chrono_literals;
using admin::details_of;
using admin::ErrorDetail;
using admin::WriteOutcome;
using server::awaitable;
namespace net = server::net;

namespace {

WriteOutcome failure(int status, std::string code, std::string message,
                     std::vector<ErrorDetail> details = {}) {
  WriteOutcome outcome;
  outcome.status = status;
  outcome.code = std::move(code);
  outcome.message = std::move(message);
  outcome.details = std::move(details);
  return outcome;
}

std::string label_of(const config::Entity& entity) {
  return std::string(config::info_of(entity.kind).collection) + "/" + entity.name;
}

// A write the entity set accepts but the config does not: 400 when every error is in the entity
// written, 409 when the write breaks another entity (deleting an upstream a route uses).
WriteOutcome refused_config(const std::vector<config::ConfigError>& errors,
                            const config::Entity& written) {
  const auto details = details_of(errors);
  const std::string label = label_of(written);
  const bool own = std::all_of(details.begin(), details.end(),
                               [&](const ErrorDetail& detail) { return detail.entity == label; });
  if (own) return failure(400, "invalid_entity", "the document has invalid fields", details);
  return failure(409, "conflict", "the change would leave other entities invalid", details);
}

void log_errors(std::string_view headline, const std::vector<config::ConfigError>& errors) {
  util::log_error(std::string(headline));
  for (const auto& error : errors) util::log_error("  " + error.to_string());
}

// Counts an operation in progress for ControlPlane::idle().
class Running {
 public:
  explicit Running(int& count) : count_(count) { ++count_; }
  ~Running() { --count_; }
  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;

 private:
  int& count_;
};

double milliseconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

std::string format_ms(double ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", ms);
  return text;
}

WriteOutcome stopping_outcome() {
  return failure(503, "shutting_down", "the gateway is shutting down; nothing changed");
}

}  // namespace

ControlPlane::ControlPlane(net::io_context& context, std::string config_path,
                           const snapshot::Catalog& registry, Apply apply)
    : context_(context),
      config_path_(std::move(config_path)),
      registry_(registry),
      apply_(std::move(apply)),
      busy_(context.get_executor()),
      retry_timer_(context),
      cache_timer_(context) {}

ControlPlane::~ControlPlane() = default;

const config::FileSections* ControlPlane::sections() const {
  if (sections_ == nullptr || sections_text_ != file_text_) {
    sections_ = std::make_unique<config::FileSections>(file_text_, config_path_);
    sections_text_ = file_text_;
  }
  return sections_->parsed() ? sections_.get() : nullptr;
}

config::LoadResult ControlPlane::compose(const std::vector<config::Entity>& entities,
                                         const config::EntityNames* names) const {
  if (const auto* parsed = sections()) {
    return config::load_config_sections(*parsed, config::Environment::from_process(), registry_,
                                        entities, names);
  }
  return config::load_config_text(file_text_, config_path_, config::Environment::from_process(),
                                  registry_, &entities, names);
}

void ControlPlane::serve(config::Config config, std::vector<config::Entity> entities,
                         std::int64_t revision, std::string_view why, bool resolve_names) {
  entities_ = std::move(entities);
  revision_ = revision;
  loaded_at_ = store::now_ms();
  const std::string reason =
      store_mode() ? std::string(why) + ", revision " + std::to_string(revision) : std::string(why);
  snapshot_version_ = apply_(std::move(config), reason, resolve_names);
}

bool ControlPlane::adopt(const store::StoredState& state, std::string_view why, bool again) {
  // A load that finished after a newer write was served must not take the node back.
  if (state.revision < revision_ || (state.revision == revision_ && !again && !from_cache_)) {
    return false;
  }
  config::LoadResult loaded = compose(state.entities);
  if (!loaded.errors.empty()) {
    if (refused_revision_ != state.revision) {
      log_errors("store revision " + std::to_string(state.revision) +
                     " is not a valid config with " + config_path_ + "; still serving revision " +
                     std::to_string(revision_) + ":",
                 loaded.errors);
      refused_revision_ = state.revision;
    }
    return false;
  }
  from_cache_ = false;
  // A reload (`again`) resolves target names anew, as a reload of the file does.
  serve(std::move(*loaded.config), state.entities, state.revision, why, again);
  return true;
}

void ControlPlane::started(std::uint64_t snapshot_version) {
  snapshot_version_ = snapshot_version;
  if (store_config_.kind == config::StoreConfig::Kind::postgres) {
    net::co_spawn(context_, follow_cluster(), net::detached);
  }
}

void ControlPlane::stop() {
  stopping_ = true;
  flush_cache();
  if (cache_writer_) cache_writer_->flush();
  retry_timer_.cancel();
  cache_timer_.cancel();
  if (listener_) listener_->cancel_wait();
  if (store_) store_->interrupt();
}

admin::ConfigStatus ControlPlane::status() const {
  admin::ConfigStatus status;
  status.source = store_mode() ? std::string(store_->kind()) : "file";
  status.writable = store_mode();
  status.file = config_path_;
  status.revision = revision_;
  status.snapshot_version = snapshot_version_;
  status.loaded_at = loaded_at_;
  status.store_reachable = store_reachable_;
  status.store_error = store_reachable_ ? "" : store_error_;
  status.from_cache = from_cache_;
  return status;
}

void ControlPlane::store_failed(const std::string& what) {
  if (store_reachable_ || store_error_ != what) {
    util::log_warn("store unreachable (" + what + "); serving revision " +
                   std::to_string(revision_) + " until it is back");
  }
  store_reachable_ = false;
  store_error_ = what;
}

void ControlPlane::store_ok() {
  if (!store_reachable_) util::log_info("store reachable again");
  store_reachable_ = true;
}

void ControlPlane::save_cache(const store::StoredState& state) {
  if (store_config_.kind != config::StoreConfig::Kind::postgres) return;
  if (!cache_writer_) {
    cache_writer_ = std::make_unique<store::StateCacheWriter>(store_config_.cache_path);
  }
  cache_writer_->write(state);
}

// The cache is what a node serves when PostgreSQL is down at its start. It is written on a thread
// of its own (store::StateCacheWriter), and an admin write only schedules it: the writes of the
// next kCacheDelay are cached once, so that each does not pay for copying every entity, and a
// stop writes what is due. A node killed within that time starts from a cache one write older,
// as if it had been down for that write; it catches up once PostgreSQL answers.
constexpr auto kCacheDelay = std::chrono::milliseconds(200);

void ControlPlane::save_cache_soon() {
  if (store_config_.kind != config::StoreConfig::Kind::postgres || cache_due_ || stopping_) return;
  cache_due_ = true;
  cache_timer_.expires_after(kCacheDelay);
  cache_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error != net::error::operation_aborted) flush_cache();
  });
}

void ControlPlane::flush_cache() {
  if (!cache_due_) return;
  cache_due_ = false;
  if (from_cache_) return;  // nothing newer than the cache itself is served
  save_cache(store::StoredState{revision_, entities_});
}

awaitable<store::StoredState> ControlPlane::open_store() {
  co_await store_->open();
  store_open_ = true;
  store::StoredState state = co_await store_->load();
  if (state.revision != 0 || file_entities_.empty()) co_return state;
  // An empty store takes the file's entities once (inside the write transaction, so of several
  // nodes starting together only the first seeds).
  bool seeded_here = false;
  const store::ChangeFunction seed = [&](const store::StoredState& current) {
    store::Change change;
    if (current.revision != 0) return change;  // another node was first
    seeded_here = true;
    const std::int64_t now = store::now_ms();
    change.commit = true;
    change.replace_all = true;
    change.entities = file_entities_;
    for (auto& entity : change.entities) entity.created_at = entity.updated_at = now;
    return change;
  };
  const store::StoredState seeded = co_await store_->write(seed);
  if (seeded_here) {
    util::log_info("seeded the empty " + std::string(store_->kind()) + " store with " +
                   std::to_string(file_entities_.size()) + " entities from " + config_path_);
  }
  co_return seeded;
}

awaitable<std::optional<config::Config>> ControlPlane::initial(config::LoadResult loaded,
                                                               std::string file_text) {
  file_text_ = std::move(file_text);
  store_config_ = loaded.config->store;
  file_entities_ = loaded.entities;
  if (store_config_.kind == config::StoreConfig::Kind::file) {
    entities_ = std::move(loaded.entities);
    loaded_at_ = store::now_ms();
    // A file has no history: its entities are as old as this load.
    for (auto& entity : entities_) entity.created_at = entity.updated_at = loaded_at_;
    co_return std::move(loaded.config);
  }
  if (store_config_.kind == config::StoreConfig::Kind::sqlite) {
    store_ = std::make_unique<store::SqliteStore>(store_config_.path);
  } else {
    if (store_config_.cache_path.empty()) store_config_.cache_path = "/var/lib/apigw/cache.json";
    store_ = std::make_unique<store::PostgresStore>(context_.get_executor(), store_config_.url);
  }
  std::optional<store::StoredState> state;
  try {
    state = co_await open_store();
  } catch (const store::StoreError& error) {
    if (store_config_.kind == config::StoreConfig::Kind::sqlite) {
      util::log_error(error.what());
      co_return std::nullopt;
    }
    store_failed(error.what());
  }
  if (!state && store_config_.kind == config::StoreConfig::Kind::postgres) {
    // PostgreSQL is down: the last entities this node loaded, else the file's.
    std::string why;
    state = store::read_state_cache(store_config_.cache_path, why);
    if (state) {
      from_cache_ = true;
      util::log_warn("serving revision " + std::to_string(state->revision) + " from the cache " +
                     store_config_.cache_path + " until PostgreSQL is reachable");
    } else {
      util::log_warn(why + "; serving the entities of " + config_path_ +
                     " until PostgreSQL is reachable");
      state = store::StoredState{0, file_entities_};
    }
  }
  config::LoadResult composed = compose(state->entities);
  if (!composed.errors.empty()) {
    log_errors("the stored entities are not a valid config with " + config_path_ + ":",
               composed.errors);
    co_return std::nullopt;
  }
  entities_ = state->entities;
  revision_ = state->revision;
  loaded_at_ = store::now_ms();
  if (!from_cache_ && store_open_) save_cache(*state);
  co_return std::move(composed.config);
}

awaitable<void> ControlPlane::pause_writes() {
  const Running running(running_);
  writes_paused_ = true;
  // The write holding the lock, if any, commits before this returns; those after it see the flag.
  const auto guard = co_await busy_.lock();
}

awaitable<WriteOutcome> ControlPlane::commit(const Decide& decide) {
  const Running running(running_);
  if (!store_mode()) {
    co_return failure(405, "read_only",
                      "the config file is the source of truth (file mode): edit " + config_path_ +
                          " and POST /admin/reload, or configure a [store]");
  }
  const auto guard = co_await busy_.lock();
  if (stopping_) co_return stopping_outcome();
  if (writes_paused_) {
    co_return failure(503, "upgrading",
                      "a binary upgrade is under way; nothing changed, retry in a moment");
  }
  WriteOutcome outcome;
  std::optional<config::Config> next;
  store::StoredState state;
  const auto started = std::chrono::steady_clock::now();
  checked_ms_ = 0;
  try {
    if (!store_open_) co_await open_store();
    // Named, not a temporary in the co_await: GCC 12 mishandles those in coroutines.
    const store::ChangeFunction change = [&](const store::StoredState& current) {
      return decide(current, outcome, next);
    };
    state = co_await store_->write(change);
    store_ok();
  } catch (const store::StoreError& error) {
    store_failed(error.what());
    co_return failure(503, "store_unavailable",
                      std::string("the store cannot be reached: ") + error.what());
  }
  if (outcome.status >= 400 || !next) co_return outcome;
  from_cache_ = false;
  // The write's cost by phase, in its log line, so that a slow control path shows where.
  const double total = milliseconds_since(started);
  serve(std::move(*next), state.entities, state.revision,
        "admin write: validated " + format_ms(checked_ms_) + " ms, stored " +
            format_ms(total - checked_ms_) + " ms");
  save_cache_soon();
  outcome.revision = state.revision;
  if (const auto* stored = store::find_entity(entities_, outcome.entity.kind, outcome.entity.id)) {
    outcome.entity = *stored;
  }
  co_return outcome;
}

awaitable<WriteOutcome> ControlPlane::write(store::Mutation mutation) {
  const Decide decide = [&](const store::StoredState& current, WriteOutcome& outcome,
                            std::optional<config::Config>& next) {
    store::Change change;
    const auto started = std::chrono::steady_clock::now();
    store::MutationResult result =
        store::apply_mutation(current.entities, mutation, store::now_ms());
    if (result.status >= 400) {
      std::vector<ErrorDetail> details;
      for (auto& error : result.errors) details.push_back({"", error.field, error.message});
      outcome = failure(result.status, result.code, result.message, std::move(details));
      return change;
    }
    config::LoadResult loaded =
        check_write(current, result, mutation.op == store::Mutation::Op::remove);
    checked_ms_ = milliseconds_since(started);
    if (!loaded.errors.empty()) {
      outcome = refused_config(loaded.errors, result.entity);
      return change;
    }
    outcome.status = result.status;
    outcome.entity = result.entity;
    next = std::move(loaded.config);
    change.commit = true;
    change.entities = std::move(result.entities);
    return change;
  };
  co_return co_await commit(decide);
}

awaitable<WriteOutcome> ControlPlane::import(std::vector<config::Entity> entities) {
  const Decide decide = [&](const store::StoredState& current, WriteOutcome& outcome,
                            std::optional<config::Config>& next) {
    store::Change change;
    config::LoadResult loaded = compose(entities);
    if (!loaded.errors.empty()) {
      outcome = failure(400, "invalid_config", "the imported entities are not a valid config",
                        details_of(loaded.errors));
      return change;
    }
    const std::int64_t now = store::now_ms();
    for (auto& entity : entities) {
      entity.created_at = entity.updated_at = now;
      entity.version = 1;
      for (const auto& old : current.entities) {
        if (old.kind == entity.kind && old.id == entity.id) {
          entity.version = old.version + 1;
          entity.created_at = old.created_at;
        }
      }
    }
    next = std::move(loaded.config);
    outcome.status = 200;
    change.commit = true;
    change.replace_all = true;
    change.entities = entities;
    return change;
  };
  co_return co_await commit(decide);
}

config::LoadResult ControlPlane::check_write(const store::StoredState& current,
                                             const store::MutationResult& result, bool removed) {
  const config::Config* served = served_config ? served_config() : nullptr;
  // The scope is enough only against a valid set whose config is the served one: what this node
  // served last. Anything else (another node wrote meanwhile, serving a cache) checks it all.
  if (served == nullptr || from_cache_ || current.revision != revision_ ||
      current.entities.size() != entities_.size()) {
    return compose(result.entities);
  }
  const config::Entity& entity = result.entity;
  const config::Entity* before = nullptr;
  std::optional<std::size_t> index;  // among the entities of its kind, before the write
  std::size_t position = 0;
  for (const auto& old : current.entities) {
    if (old.kind != entity.kind) continue;
    if (old.id == entity.id) {
      before = &old;
      index = position;
      break;
    }
    ++position;
  }
  if (removed && before == nullptr) return compose(result.entities);
  if (references_.size() > 2 * result.entities.size() + 64) references_.clear();
  const config::WriteScope scope =
      config::write_scope(result.entities, removed ? nullptr : &entity, before, references_);
  config::LoadResult checked = compose(scope.entities, &scope.names);
  if (!checked.errors.empty()) return checked;
  std::size_t converted_index = 0;
  for (const auto& part : scope.entities) {
    if (part.kind != entity.kind) continue;
    if (part.id == entity.id) break;
    ++converted_index;
  }
  config::LoadResult next;
  next.config = *served;
  config::apply_write(*next.config, entity.kind, index, removed ? nullptr : &*checked.config,
                      converted_index);
  return next;
}

std::vector<ErrorDetail> ControlPlane::validate(const std::vector<config::Entity>& entities) const {
  return details_of(compose(entities).errors);
}

std::vector<ErrorDetail> ControlPlane::validate_file(std::string_view text, bool yaml) const {
  return details_of(config::load_config_text(text, yaml ? "request.yaml" : "request",
                                             config::Environment::from_process(), registry_)
                        .errors);
}

awaitable<WriteOutcome> ControlPlane::reload() {
  const Running running(running_);
  const auto guard = co_await busy_.lock();
  if (stopping_) co_return stopping_outcome();
  const WriteOutcome outcome = co_await reload_locked();
  if (on_reload) on_reload(outcome.status < 400);
  co_return outcome;
}

awaitable<WriteOutcome> ControlPlane::reload_locked() {
  std::string text;
  config::LoadResult loaded =
      config::load_config_file(config_path_, config::Environment::from_process(), registry_,
                               store_mode() ? &entities_ : nullptr, &text);
  if (!loaded.errors.empty()) {
    log_errors("reload refused; still serving revision " + std::to_string(revision_) + ":",
               loaded.errors);
    co_return failure(400, "invalid_config", "the config file has errors; nothing changed",
                      details_of(loaded.errors));
  }
  if (loaded.config->store.kind != store_config_.kind ||
      loaded.config->store.path != store_config_.path ||
      loaded.config->store.url != store_config_.url) {
    util::log_warn("reload: [store] changes take effect on restart only");
  }
  std::string previous_text = std::exchange(file_text_, std::move(text));
  if (!store_mode()) {
    const std::int64_t now = store::now_ms();
    for (auto& entity : loaded.entities) entity.created_at = entity.updated_at = now;
    serve(std::move(*loaded.config), std::move(loaded.entities), revision_ + 1, "reload", true);
    co_return WriteOutcome{};
  }
  // Store mode: the file's other sections with the store's latest entities.
  try {
    if (!store_open_) co_await open_store();
    const store::StoredState state = co_await store_->load();
    store_ok();
    if (state.revision < revision_) {
      // A write was served while this load ran: the file's change with the entities served.
      serve(std::move(*loaded.config), entities_, revision_, "reload", true);
    } else if (adopt(state, "reload", /*again=*/true)) {
      save_cache(state);
    } else {
      file_text_ = std::move(previous_text);
      co_return failure(409, "conflict",
                        "the stored entities are not a valid config with the changed file "
                        "(see the log); nothing changed");
    }
  } catch (const store::StoreError& error) {
    store_failed(error.what());
    serve(std::move(*loaded.config), entities_, revision_, "reload", true);
  }
  co_return WriteOutcome{};
}

awaitable<void> ControlPlane::refresh(std::string_view why) {
  const auto guard = co_await busy_.lock();
  if (stopping_) co_return;
  if (!store_open_) co_await open_store();
  const std::int64_t revision = co_await store_->revision();
  store_ok();
  if (revision == revision_ && !from_cache_) co_return;
  const store::StoredState state = co_await store_->load();
  if (adopt(state, why)) save_cache(state);
}

awaitable<void> ControlPlane::follow_cluster() {
  const Running running(running_);
  auto backoff = std::chrono::milliseconds(100);
  std::mt19937 random(std::random_device{}());
  listener_ = std::make_unique<store::PgConnection>(context_.get_executor());
  while (!stopping_) {
    try {
      if (!listener_->connected()) {
        co_await listener_->connect(store_config_.url, 2s);
        co_await listener_->exec("LISTEN " + std::string(store::kNotifyChannel));
        // Whatever happened while not listening: catch up now.
        co_await refresh("connected");
        backoff = std::chrono::milliseconds(100);
      }
      const auto notified = co_await listener_->wait_for_notifications(store_config_.poll_interval);
      if (stopping_) break;
      co_await refresh(notified.empty() ? "poll" : "notification");
    } catch (const store::StoreError& error) {
      if (stopping_) break;
      listener_->close();
      store_failed(error.what());
    }
    if (stopping_ || listener_->connected()) continue;
    // Full jitter, so that nodes losing the database together do not return together.
    const auto wait = std::chrono::milliseconds(
        std::uniform_int_distribution<std::int64_t>(backoff.count() / 2, backoff.count())(random));
    retry_timer_.expires_after(wait);
    co_await retry_timer_.async_wait(server::use_nothrow);
    backoff = std::min(backoff * 2, store_config_.retry_max);
  }
}

}  // namespace apigw::app
