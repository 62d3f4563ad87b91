// Whole-config checks of [store], the admin token and the entity kinds beyond upstreams and routes
// (consumers, credentials, plugins, rate limits): names, ids, references and ranges.
#include <algorithm>
#include <map>
#include <set>
#include <unordered_set>

#include "config/detail.h"

namespace apigw::config::detail {
namespace {

bool is_entity_name(std::string_view name) {
  return !name.empty() && name.size() <= 128 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-' || c == '~';
  });
}

class EntityChecks {
 public:
  EntityChecks(const Config& config, const ValuePositions& positions,
               std::vector<ConfigError>& errors, const EntityNames* names)
      : config_(config), positions_(positions), errors_(errors) {
    if (names != nullptr) {
      upstreams_.names = names->upstreams;
      routes_.names = names->routes;
      consumers_.names = names->consumers;
    } else {
      for (const auto& upstream : config.upstreams) upstreams_.names.push_back(upstream.name);
      for (const auto& route : config.routes) routes_.names.push_back(route.name);
      for (const auto& consumer : config.consumers) consumers_.names.push_back(consumer.name);
    }
    for (Known* known : {&upstreams_, &routes_, &consumers_}) {
      known->index.insert(known->names.begin(), known->names.end());
    }
  }

  void run() {
    store();
    admin();
    ids("upstreams", config_.upstreams);
    ids("routes", config_.routes);
    ids("consumers", config_.consumers);
    ids("credentials", config_.credentials);
    ids("plugins", config_.plugins);
    ids("rate_limits", config_.rate_limits);
    names("consumers", "consumer", config_.consumers);
    names("credentials", "credential", config_.credentials);
    names("plugins", "plugin", config_.plugins);
    names("rate_limits", "rate limit", config_.rate_limits);
    for (std::size_t i = 0; i < config_.credentials.size(); ++i) {
      const auto& credential = config_.credentials[i];
      const std::string path = "credentials." + std::to_string(i);
      reference(path + ".consumer", credential.position, "consumer", credential.consumer,
                consumers_);
    }
    for (std::size_t i = 0; i < config_.plugins.size(); ++i) {
      const auto& plugin = config_.plugins[i];
      const std::string path = "plugins." + std::to_string(i);
      if (!plugin.route.empty() && !plugin.upstream.empty()) {
        error(path + ".upstream", plugin.position,
              "a plugin attaches to a route or to an upstream, not both");
      }
      reference(path + ".route", plugin.position, "route", plugin.route, routes_);
      reference(path + ".upstream", plugin.position, "upstream", plugin.upstream, upstreams_);
    }
    for (std::size_t i = 0; i < config_.rate_limits.size(); ++i) {
      const auto& rule = config_.rate_limits[i];
      const std::string path = "rate_limits." + std::to_string(i);
      reference(path + ".route", rule.position, "route", rule.route, routes_);
      reference(path + ".consumer", rule.position, "consumer", rule.consumer, consumers_);
      if (rule.limit == 0)
        error(path + ".limit", rule.position, "'limit' must be greater than zero");
      if (rule.window.count() <= 0) {
        error(path + ".window", rule.position, "'window' must be greater than zero");
      }
      if (rule.burst != 0 && rule.algorithm != RateLimitConfig::Algorithm::token_bucket) {
        error(path + ".burst", rule.position, "'burst' needs algorithm = \"token_bucket\"");
      }
    }
  }

 private:
  void error(const std::string& path, const SourcePosition& fallback, std::string message) {
    errors_.push_back({positions_.at(path, fallback), std::move(message)});
  }

  // The names of one kind, in order (for hints) and indexed (a scan per reference would cost
  // references x names).
  struct Known {
    std::vector<std::string> names;
    std::unordered_set<std::string_view> index;
  };

  void reference(const std::string& path, const SourcePosition& at, std::string_view kind,
                 const std::string& name, const Known& known) {
    if (name.empty() || known.index.contains(name)) return;
    error(path, at,
          std::string(kind) + " '" + name + "' is not defined" + did_you_mean(name, known.names));
  }

  template <typename Entities>
  void ids(std::string_view collection, const Entities& entities) {
    std::map<std::string, const std::string*> seen;  // id -> name
    for (std::size_t i = 0; i < entities.size(); ++i) {
      const auto [first, inserted] = seen.emplace(entities[i].meta.id, &entities[i].name);
      // Ids derived from equal names are equal too; the duplicate name is the error to show.
      if (!entities[i].meta.id.empty() && !inserted && *first->second != entities[i].name) {
        error(std::string(collection) + "." + std::to_string(i) + ".id", entities[i].position,
              "duplicate id '" + entities[i].meta.id + "' in " + std::string(collection));
      }
    }
  }

  template <typename Entities>
  void names(std::string_view collection, std::string_view kind, const Entities& entities) {
    std::map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < entities.size(); ++i) {
      const std::string path = std::string(collection) + "." + std::to_string(i) + ".name";
      const std::string& name = entities[i].name;
      if (name.empty()) continue;  // reported as missing
      if (!is_entity_name(name)) {
        error(path, entities[i].position,
              "invalid " + std::string(kind) + " name '" + name +
                  "' (1 to 128 of letters, digits, '_', '.', '-' and '~')");
      }
      if (!seen.emplace(name, i).second) {
        error(path, entities[i].position,
              "duplicate " + std::string(kind) + " name '" + name + "'");
      }
    }
  }

  void store() {
    const StoreConfig& store = config_.store;
    if (store.kind == StoreConfig::Kind::sqlite) {
      if (store.path.empty()) error("store.path", store.position, "a sqlite store needs 'path'");
      if (!store.url.empty())
        error("store.url", store.position, "'url' is for kind = \"postgres\"");
    } else if (store.kind == StoreConfig::Kind::postgres) {
      if (store.url.empty()) error("store.url", store.position, "a postgres store needs 'url'");
      if (!store.path.empty())
        error("store.path", store.position, "'path' is for kind = \"sqlite\"");
      if (!store.url.starts_with("postgresql://") && !store.url.starts_with("postgres://") &&
          !store.url.empty()) {
        error("store.url", store.position,
              "'url' must be a URI such as \"postgresql://apigw@127.0.0.1:5432/apigw\"");
      }
    }
    if (store.poll_interval.count() <= 0) {
      error("store.poll_interval", store.position, "'poll_interval' must be greater than zero");
    }
    if (store.retry_max.count() <= 0) {
      error("store.retry_max", store.position, "'retry_max' must be greater than zero");
    }
  }

  void admin() {
    const AdminConfig& admin = config_.admin;
    if (!admin.token.empty() && admin.token.size() < 16) {
      error("admin.token", admin.position, "the admin 'token' must have at least 16 characters");
    }
    if (admin.token.empty() && !is_loopback_listen_address(admin.listen)) {
      error("admin.listen", admin.position,
            "an admin listener on a non-loopback address needs a 'token' (e.g. token = "
            "\"${APIGW_ADMIN_TOKEN}\")");
    }
  }

  const Config& config_;
  const ValuePositions& positions_;
  std::vector<ConfigError>& errors_;
  // Not copied or moved: the indexes point into the names.
  Known upstreams_, routes_, consumers_;
};

}  // namespace

}  // namespace apigw::config::detail

namespace apigw::config {

bool is_loopback_listen_address(std::string_view address) {
  return address.starts_with("127.") || address.starts_with("[::1]:");
}

}  // namespace apigw::config

namespace apigw::config::detail {

void validate_entities(const Config& config, const ValuePositions& positions,
                       std::vector<ConfigError>& errors, const EntityNames* names) {
  EntityChecks(config, positions, errors, names).run();
}

}  // namespace apigw::config::detail
