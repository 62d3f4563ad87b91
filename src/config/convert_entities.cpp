// TOML tree -> schema structs for [store] and the entity kinds beyond upstreams and routes:
// consumers, credentials, plugins and rate-limit rules; and the id and tags of every entity.
#include <toml++/toml.h>

#include "config/detail.h"
#include "config/reader.h"
#include "util/secret_hash.h"
#include "util/uuid.h"

namespace apigw::config::detail {

void convert_meta(TableReader& reader, std::string_view collection, const std::string& name,
                  EntityMeta& meta) {
  LoadContext& ctx = reader.context();
  if (reader.read_string("id", meta.id)) {
    if (!util::is_uuid(meta.id)) {
      ctx.error(ctx.positions().at(reader.path_of("id"), reader.position()),
                "'id' must be a UUID (e.g. \"6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f\")");
    }
    std::transform(meta.id.begin(), meta.id.end(), meta.id.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  } else {
    meta.id = util::name_uuid(std::string(collection) + "/" + name);
  }
  if (reader.read_strings("tags", meta.tags)) {
    for (std::size_t i = 0; i < meta.tags.size(); ++i) {
      if (meta.tags[i].empty() || meta.tags[i].size() > 128) {
        ctx.error(ctx.positions().at(reader.path_of("tags") + "." + std::to_string(i), {}),
                  "each tag must be a string of 1 to 128 characters");
      }
    }
  }
}

StoreConfig convert_store(const toml::table& table, LoadContext& ctx) {
  StoreConfig store;
  static const FieldTable<StoreConfig> kStoreFields = {
      {"path", &StoreConfig::path},
      {"url", &StoreConfig::url},
      {"cache_path", &StoreConfig::cache_path},
      {"poll_interval", &StoreConfig::poll_interval},
      {"retry_max", &StoreConfig::retry_max},
  };
  TableReader reader(table, "store", kStoreFields.keys({"kind"}), ctx);
  store.position = reader.position();
  std::string kind;
  if (reader.read_string("kind", kind, Presence::required)) {
    if (kind == "sqlite") {
      store.kind = StoreConfig::Kind::sqlite;
    } else if (kind == "postgres") {
      store.kind = StoreConfig::Kind::postgres;
    } else {
      ctx.error(ctx.positions().at("store.kind", store.position),
                "store 'kind' must be \"sqlite\" or \"postgres\"");
    }
  }
  kStoreFields.read(reader, store);
  return store;
}

void convert_consumers(const toml::node& node, Config& config, LoadContext& ctx) {
  for_each_table(node, "consumers", "consumers", ctx,
                 [&](const toml::table& table, const std::string& path) {
                   ConsumerConfig consumer;
                   TableReader reader(table, path, {"id", "name", "tags", "custom_id"}, ctx);
                   consumer.position = reader.position();
                   reader.read_string("name", consumer.name, Presence::required);
                   convert_meta(reader, "consumers", consumer.name, consumer.meta);
                   reader.read_string("custom_id", consumer.custom_id);
                   config.consumers.push_back(std::move(consumer));
                 });
}

void convert_credentials(const toml::node& node, Config& config, LoadContext& ctx) {
  for_each_table(
      node, "credentials", "credentials", ctx,
      [&](const toml::table& table, const std::string& path) {
        CredentialConfig credential;
        TableReader reader(table, path,
                           {"id", "name", "tags", "consumer", "type", "key", "key_hash", "password",
                            "password_hash"},
                           ctx);
        credential.position = reader.position();
        reader.read_string("name", credential.name, Presence::required);
        convert_meta(reader, "credentials", credential.name, credential.meta);
        reader.read_string("consumer", credential.consumer, Presence::required);
        std::string type;
        if (reader.read_string("type", type, Presence::required)) {
          if (type == "api_key") {
            credential.kind = CredentialConfig::Kind::api_key;
          } else if (type == "password") {
            credential.kind = CredentialConfig::Kind::password;
          } else {
            ctx.error(ctx.positions().at(reader.path_of("type"), credential.position),
                      "credential 'type' must be \"api_key\" or \"password\"");
            return;
          }
        }
        const bool api_key = credential.kind == CredentialConfig::Kind::api_key;
        const char* secret_key = api_key ? "key" : "password";
        const char* hash_key = api_key ? "key_hash" : "password_hash";
        const char* other_secret = api_key ? "password" : "key";
        const char* other_hash = api_key ? "password_hash" : "key_hash";
        for (const char* wrong : {other_secret, other_hash}) {
          if (const toml::node* found = reader.find(wrong)) {
            ctx.error(*found, "'" + std::string(wrong) +
                                  "' does not belong to a credential of type \"" + type + "\"");
          }
        }
        std::string secret, hash;
        const bool has_secret = reader.read_string(secret_key, secret);
        const bool has_hash = reader.read_string(hash_key, hash);
        if (has_secret == has_hash) {
          ctx.error(credential.position, "a credential of type \"" + type +
                                             "\" needs exactly one of '" + secret_key + "' or '" +
                                             hash_key + "'");
        } else if (has_secret) {
          // Short API keys can be guessed; a password's strength is its owner's choice.
          if (api_key && secret.size() < 16) {
            ctx.error(ctx.positions().at(reader.path_of(secret_key), credential.position),
                      "an API key must have at least 16 characters");
          } else if (secret.empty()) {
            ctx.error(ctx.positions().at(reader.path_of(secret_key), credential.position),
                      "'password' must not be empty");
          } else {
            credential.secret_hash =
                api_key ? util::hash_api_key(secret) : util::hash_password(secret);
          }
        } else if (api_key ? !util::is_api_key_hash(hash) : !util::is_password_hash(hash)) {
          ctx.error(ctx.positions().at(reader.path_of(hash_key), credential.position),
                    std::string("'") + hash_key + "' is not a hash apigw made (" +
                        (api_key ? "\"sha256:<64 hex digits>\"" : "\"scrypt$N$r$p$salt$hash\"") +
                        ")");
        } else {
          credential.secret_hash = hash;
        }
        config.credentials.push_back(std::move(credential));
      });
}

void convert_plugins(const toml::node& node, const FilterCatalog& filters, Config& config,
                     LoadContext& ctx) {
  for_each_table(
      node, "plugins", "plugins", ctx, [&](const toml::table& table, const std::string& path) {
        PluginConfig plugin;
        TableReader reader(
            table, path, {"id", "name", "tags", "filter", "route", "upstream", "enabled", "config"},
            ctx);
        plugin.position = reader.position();
        reader.read_string("name", plugin.name, Presence::required);
        convert_meta(reader, "plugins", plugin.name, plugin.meta);
        reader.read_string("route", plugin.route);
        reader.read_string("upstream", plugin.upstream);
        reader.read_bool("enabled", plugin.enabled);
        if (!reader.read_string("filter", plugin.filter.name, Presence::required)) return;
        plugin.filter.position = plugin.position;
        const auto known = filters.filter_names();
        if (std::find(known.begin(), known.end(), plugin.filter.name) == known.end()) {
          ctx.error(ctx.positions().at(reader.path_of("filter"), plugin.position),
                    "unknown filter '" + plugin.filter.name + "'" +
                        did_you_mean(plugin.filter.name, known));
          return;
        }
        static const toml::table kNoSettings;
        const toml::table* settings = reader.read_table("config");
        if (reader.find("config") != nullptr && settings == nullptr) return;
        TableReader settings_reader(settings != nullptr ? *settings : kNoSettings,
                                    reader.path_of("config"), ctx);
        plugin.filter.settings = filters.parse_filter(plugin.filter.name, settings_reader);
        if (plugin.filter.settings != nullptr) config.plugins.push_back(std::move(plugin));
      });
}

void convert_rate_limits(const toml::node& node, Config& config, LoadContext& ctx) {
  for_each_table(node, "rate_limits", "rate_limits", ctx,
                 [&](const toml::table& table, const std::string& path) {
                   RateLimitConfig rule;
                   TableReader reader(table, path,
                                      {"id", "name", "tags", "route", "consumer", "algorithm",
                                       "limit", "window", "burst", "key", "scope"},
                                      ctx);
                   rule.position = reader.position();
                   reader.read_string("name", rule.name, Presence::required);
                   convert_meta(reader, "rate_limits", rule.name, rule.meta);
                   reader.read_string("route", rule.route);
                   reader.read_string("consumer", rule.consumer);
                   if (std::string algorithm; reader.read_string("algorithm", algorithm)) {
                     if (algorithm == "token_bucket") {
                       rule.algorithm = RateLimitConfig::Algorithm::token_bucket;
                     } else if (algorithm == "sliding_window") {
                       rule.algorithm = RateLimitConfig::Algorithm::sliding_window;
                     } else {
                       ctx.error(ctx.positions().at(reader.path_of("algorithm"), rule.position),
                                 "'algorithm' must be \"token_bucket\" or \"sliding_window\"");
                     }
                   }
                   if (reader.find("limit", Presence::required) != nullptr)
                     reader.read_count("limit", rule.limit);
                   reader.read_duration("window", rule.window);
                   reader.read_count("burst", rule.burst);
                   if (std::string key; reader.read_string("key", key)) {
                     if (key == "client_ip") {
                       rule.key = RateLimitConfig::Key::client_ip;
                     } else if (key == "consumer") {
                       rule.key = RateLimitConfig::Key::consumer;
                     } else if (key.starts_with("header:") && key.size() > 7) {
                       rule.key = RateLimitConfig::Key::header;
                       rule.key_header = ascii_lower(key.substr(7));
                     } else {
                       ctx.error(ctx.positions().at(reader.path_of("key"), rule.position),
                                 "'key' must be \"client_ip\", \"consumer\" or \"header:NAME\"");
                     }
                   }
                   if (std::string scope; reader.read_string("scope", scope)) {
                     if (scope == "local") {
                       rule.scope = RateLimitConfig::Scope::local;
                     } else if (scope == "cluster") {
                       rule.scope = RateLimitConfig::Scope::cluster;
                     } else {
                       ctx.error(ctx.positions().at(reader.path_of("scope"), rule.position),
                                 "'scope' must be \"local\" or \"cluster\"");
                     }
                   }
                   config.rate_limits.push_back(std::move(rule));
                 });
}

}  // namespace apigw::config::detail
