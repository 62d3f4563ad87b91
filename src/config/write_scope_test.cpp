// A write checked on its scope must be refused exactly as a check of the whole set refuses it:
// same messages, same fields, same order; and an accepted write must yield the same config.
#include "config/write_scope.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "config/entity_document.h"
#include "config/test_support.h"

namespace apigw::config {
namespace {

constexpr std::string_view kFile = R"(
[server]
listen = ["127.0.0.1:8080"]
[admin]
listen = "127.0.0.1:9901"
)";

Entity make(EntityKind kind, std::string_view json) {
  Entity entity;
  std::vector<FieldError> errors;
  EXPECT_TRUE(entity_from_json(kind, boost::json::parse(json).as_object(), entity, errors));
  return entity;
}

// `with_split`: also an upstream "canary" and a route "split" between u1 and it.
std::vector<Entity> base_set(bool with_split = false) {
  std::vector<Entity> set = {
      make(EntityKind::upstream, R"({"name":"u1","targets":[{"address":"127.0.0.1:9001"}]})"),
      make(EntityKind::upstream, R"({"name":"u2","targets":[{"address":"127.0.0.1:9002"}],)"
                                 R"("balancer":"consistent_hash","hash_on":"param:id"})"),
      make(EntityKind::upstream, R"({"name":"spare","targets":[{"address":"127.0.0.1:9003"}]})"),
      make(EntityKind::route, R"({"name":"r1","match":{"path_prefix":"/a/"},"upstream":"u1"})"),
      make(EntityKind::route, R"({"name":"r2","match":{"path_template":"/b/{id}"},"upstream":"u2",)"
                              R"("fallback":{"upstream":"u1"}})"),
      make(EntityKind::route,
           R"({"name":"other","match":{"path_prefix":"/c/"},"upstream":"spare"})"),
      make(EntityKind::consumer, R"({"name":"c1"})"),
      make(EntityKind::credential,
           R"({"name":"k1","consumer":"c1","type":"api_key","key":"0123456789abcdef0"})"),
      make(EntityKind::plugin, R"({"name":"p1","filter":"headers","route":"r1"})"),
      make(EntityKind::plugin, R"({"name":"p2","filter":"headers","upstream":"u2"})"),
      make(EntityKind::rate_limit, R"({"name":"l1","limit":5,"route":"r1","consumer":"c1"})"),
  };
  if (with_split) {
    set.push_back(make(EntityKind::upstream,
                       R"({"name":"canary","targets":[{"address":"127.0.0.1:9004"}]})"));
    set.push_back(make(EntityKind::route, R"({"name":"split","match":{"path_prefix":"/s/"},)"
                                          R"("upstreams":[{"name":"u1","weight":90},)"
                                          R"({"name":"canary","weight":10}]})"));
  }
  return set;
}

std::vector<std::string> messages(const LoadResult& result) {
  std::vector<std::string> out;
  for (const auto& error : result.errors) out.push_back(error.to_string());
  return out;
}

struct Write {
  std::string what;
  EntityKind kind;
  std::string name;         // the entity replaced or deleted; empty for a create
  std::string json;         // the new document; empty for a delete
  bool with_split = false;  // the set has route "split" (see base_set)
};

// Applies `write` to `set` as store/mutation.cpp does (in place, or appended), checks it both
// ways and compares.
void check_both_ways(const Write& write) {
  SCOPED_TRACE(write.what);
  static const testing::FakeFilterCatalog catalog;
  const std::vector<Entity> before = base_set(write.with_split);
  std::vector<Entity> next = before;
  const Entity* old = nullptr;
  std::optional<std::size_t> index;
  std::size_t position = 0;
  for (const auto& entity : before) {
    if (entity.kind != write.kind) continue;
    if (entity.name == write.name) {
      old = &entity;
      index = position;
    }
    ++position;
  }
  Entity written;
  if (!write.json.empty()) {
    written = make(write.kind, write.json);
    if (old != nullptr) written.id = old->id;
  }
  const auto at = [&] {
    return std::find_if(next.begin(), next.end(),
                        [&](const Entity& e) { return e.kind == write.kind && e.id == old->id; });
  };
  if (write.json.empty()) {
    next.erase(at());
  } else if (old != nullptr) {
    *at() = written;
  } else {
    next.push_back(written);
  }

  const LoadResult whole = load_config_text(kFile, "f.toml", {}, catalog, &next);
  ReferenceCache cache;
  const WriteScope scope = write_scope(next, write.json.empty() ? nullptr : &written, old, cache);
  EXPECT_LT(scope.entities.size(), next.size()) << "the scope is a part";
  const LoadResult part =
      load_config_text(kFile, "f.toml", {}, catalog, &scope.entities, &scope.names);
  EXPECT_EQ(messages(part), messages(whole));
  if (!whole.errors.empty()) return;

  // Accepted: the config before, with the write applied, is the whole set's config.
  const LoadResult first = load_config_text(kFile, "f.toml", {}, catalog, &before);
  ASSERT_TRUE(first.config && part.config);
  Config spliced = *first.config;
  std::size_t converted_index = 0;
  for (const auto& entity : scope.entities) {
    if (entity.kind != write.kind) continue;
    if (entity.id == (write.json.empty() ? old->id : written.id)) break;
    ++converted_index;
  }
  apply_write(spliced, write.kind, index, write.json.empty() ? nullptr : &*part.config,
              converted_index);
  const auto routes = [](const Config& c) {
    std::vector<std::string> out;
    for (const auto& r : c.routes)
      out.push_back(r.name + ">" + r.upstream + ":" + r.match.paths[0].value);
    return out;
  };
  const auto upstreams = [](const Config& c) {
    std::vector<std::string> out;
    for (const auto& u : c.upstreams) out.push_back(u.name + ":" + u.targets.at(0).address);
    return out;
  };
  EXPECT_EQ(routes(spliced), routes(*whole.config));
  EXPECT_EQ(upstreams(spliced), upstreams(*whole.config));
  EXPECT_EQ(spliced.plugins.size(), whole.config->plugins.size());
  EXPECT_EQ(spliced.consumers.size(), whole.config->consumers.size());
}

TEST(WriteScope, RefusesWhatTheWholeSetRefusesWithTheSameMessages) {
  const std::vector<Write> writes = {
      {"route naming a missing upstream", EntityKind::route, "",
       R"({"name":"r3","match":{"path_prefix":"/d/"},"upstream":"u3"})"},
      {"route with several errors of its own", EntityKind::route, "",
       R"({"name":"r3","match":{"path_prefix":"/d/../e"},"upstream":"nope","retry":{"attempts":0}})"},
      {"route losing the parameter its upstream hashes on", EntityKind::route, "r2",
       R"({"name":"r2","match":{"path_prefix":"/b/"},"upstream":"u2"})"},
      {"fallback to the route's own upstream", EntityKind::route, "r1",
       R"({"name":"r1","match":{"path_prefix":"/a/"},"upstream":"u1","fallback":{"upstream":"u1"}})"},
      {"delete of an upstream routes use", EntityKind::upstream, "u1", ""},
      {"rename of an upstream routes and plugins use", EntityKind::upstream, "u2",
       R"({"name":"u3","targets":[{"address":"127.0.0.1:9002"}]})"},
      {"upstream hashing on a parameter its route lacks", EntityKind::upstream, "u1",
       R"({"name":"u1","targets":[{"address":"127.0.0.1:9001"}],)"
       R"("balancer":"consistent_hash","hash_on":"param:id"})"},
      {"bad upstream", EntityKind::upstream, "",
       R"({"name":"u9","targets":[{"address":"nohost"}],"connect_timeout":"0s"})"},
      {"delete of a consumer with a credential and a rate limit", EntityKind::consumer, "c1", ""},
      {"delete of a route with a plugin and a rate limit", EntityKind::route, "r1", ""},
      {"plugin naming a missing route", EntityKind::plugin, "",
       R"({"name":"p3","filter":"headers","route":"r11"})"},
      {"plugin naming both a route and an upstream", EntityKind::plugin, "p1",
       R"({"name":"p1","filter":"headers","route":"r1","upstream":"u1"})"},
      {"rate limit naming missing entities", EntityKind::rate_limit, "l1",
       R"({"name":"l1","limit":0,"route":"r9","consumer":"c9"})"},
      {"credential of a missing consumer", EntityKind::credential, "",
       R"({"name":"k2","consumer":"c2","type":"password","password":"x"})"},
      {"delete of an upstream only a split uses", EntityKind::upstream, "canary", "", true},
      {"rename of an upstream only a split uses", EntityKind::upstream, "canary",
       R"({"name":"canary-2","targets":[{"address":"127.0.0.1:9004"}]})", true},
      {"split naming a missing upstream", EntityKind::route, "",
       R"({"name":"r3","upstreams":[{"name":"u1"},{"name":"u9"}]})", true},
      {"split onto an upstream hashing on a parameter the route lacks", EntityKind::route, "split",
       R"({"name":"split","match":{"path_prefix":"/s/"},"upstreams":[{"name":"u1"},{"name":"u2"}]})",
       true},
      {"split whose fallback is one of its arms", EntityKind::route, "split",
       R"({"name":"split","upstreams":[{"name":"u1"},{"name":"canary"}],)"
       R"("fallback":{"upstream":"canary"}})",
       true},
  };
  for (const auto& write : writes) check_both_ways(write);
}

TEST(WriteScope, AcceptedWritesYieldTheWholeSetsConfig) {
  const std::vector<Write> writes = {
      {"new route", EntityKind::route, "",
       R"({"name":"r3","match":{"path_prefix":"/d/"},"upstream":"u1"})"},
      {"changed route", EntityKind::route, "r1",
       R"({"name":"r1","match":{"path_prefix":"/z/"},"upstream":"spare"})"},
      {"changed upstream", EntityKind::upstream, "u1",
       R"({"name":"u1","targets":[{"address":"127.0.0.1:9009"}]})"},
      {"delete of a route nothing names", EntityKind::route, "other", ""},
      {"new consumer", EntityKind::consumer, "", R"({"name":"c2"})"},
      {"delete of a plugin", EntityKind::plugin, "p2", ""},
      {"changed weights of a split", EntityKind::route, "split",
       R"({"name":"split","match":{"path_prefix":"/s/"},)"
       R"("upstreams":[{"name":"u1","weight":50},{"name":"canary","weight":50}]})",
       true},
      {"delete of a split route", EntityKind::route, "split", "", true},
  };
  for (const auto& write : writes) check_both_ways(write);
}

TEST(WriteScope, TakesTheWrittenEntityItsNeighboursAndNothingElse) {
  const std::vector<Entity> set = base_set();
  ReferenceCache cache;
  // u1: r1 (upstream), r2 (fallback) and, through r2, u2; p1 and l1 name r1, not u1.
  const WriteScope scope = write_scope(set, &set[0], &set[0], cache);
  std::vector<std::string> names;
  for (const auto& entity : scope.entities) names.push_back(entity.name);
  EXPECT_EQ(names, (std::vector<std::string>{"u1", "u2", "r1", "r2"}));
  EXPECT_EQ(scope.names.upstreams, (std::vector<std::string>{"u1", "u2", "spare"}));
  EXPECT_EQ(scope.names.routes, (std::vector<std::string>{"r1", "r2", "other"}));
}

TEST(WriteScope, ASplitRouteNamesEachOfItsUpstreams) {
  const std::vector<Entity> set = base_set(/*with_split=*/true);
  EXPECT_EQ(references_of(set.back()),
            (std::vector<EntityReference>{{EntityKind::upstream, "u1"},
                                          {EntityKind::upstream, "canary"}}));
  // A write of canary takes the split, and through it u1.
  ReferenceCache cache;
  const Entity& canary = set[set.size() - 2];
  const WriteScope scope = write_scope(set, &canary, &canary, cache);
  std::vector<std::string> names;
  for (const auto& entity : scope.entities) names.push_back(entity.name);
  EXPECT_EQ(names, (std::vector<std::string>{"u1", "canary", "split"}));
}

}  // namespace
}  // namespace apigw::config
