#include "config/entity_document.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "config/test_support.h"

namespace apigw::config {
namespace {
namespace json = boost::json;

Entity entity_of(EntityKind kind, std::string_view document) {
  Entity entity;
  std::vector<FieldError> errors;
  EXPECT_TRUE(entity_from_json(kind, json::parse(document).as_object(), entity, errors));
  return entity;
}

TEST(EntityDocument, BodiesAreCanonicalAndSecretsHashed) {
  const Entity a = entity_of(EntityKind::upstream, R"({"name":"u","b":1,"a":{"y":1,"x":2}})");
  const Entity b = entity_of(EntityKind::upstream, R"({"a":{"x":2,"y":1},"b":1,"name":"u"})");
  EXPECT_EQ(a.body, R"({"a":{"x":2,"y":1},"b":1})");
  EXPECT_EQ(a.body, b.body);
  const Entity key =
      entity_of(EntityKind::credential,
                R"({"name":"k","consumer":"c","type":"api_key","key":"0123456789abcdef"})");
  EXPECT_EQ(key.body.find("0123456789abcdef"), std::string::npos);
  EXPECT_NE(key.body.find("\"key_hash\":\"sha256:"), std::string::npos) << key.body;
}

TEST(EntityDocument, NumbersWithoutAJsonSpellingAreRefused) {
  // Boost.JSON reads 1e999 as infinity, which would be stored as the non-JSON text "Infinity".
  Entity entity;
  std::vector<FieldError> errors;
  EXPECT_FALSE(entity_from_json(
      EntityKind::upstream,
      json::parse(R"({"name":"u","targets":[{"address":"h:1","weight":1e999}]})").as_object(),
      entity, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "targets.0.weight");
  EXPECT_EQ(errors[0].message, "number is out of range");
  // TOML spells them inf and nan.
  std::vector<Entity> parsed;
  std::vector<ConfigError> import_errors;
  EXPECT_FALSE(parse_entities_document("[[consumers]]\nname = \"c\"\nx = [nan]\n", true, parsed,
                                       import_errors));
  ASSERT_EQ(import_errors.size(), 1u);
  EXPECT_NE(import_errors[0].to_string().find("x.0: number is out of range"), std::string::npos)
      << import_errors[0].to_string();
}

TEST(EntityDocument, StoredEntitiesReplaceTheFilesAndErrorsNameEntityAndField) {
  testing::FakeFilterCatalog filters;
  std::vector<Entity> entities = {
      entity_of(EntityKind::upstream, R"({"name":"u","targets":[{"address":"127.0.0.1:9"}]})"),
      entity_of(EntityKind::route,
                R"({"name":"r","match":{"path_prefix":"/"},"upstream":"u","timeout":"1x"})"),
  };
  auto result = load_config_text(testing::kMinimalConfig, "base.toml", {}, filters, &entities);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].to_string(),
            "routes/r: timeout: invalid duration '1x' for 'timeout' (use e.g. \"250ms\", \"5s\")");
  entities[1] =
      entity_of(EntityKind::route, R"({"name":"r","match":{"path_prefix":"/"},"upstream":"u"})");
  result = load_config_text(testing::kMinimalConfig, "base.toml", {}, filters, &entities);
  ASSERT_TRUE(result.config) << result.errors[0].to_string();
  // The file's own upstream and route are gone: the store is the truth.
  ASSERT_EQ(result.config->routes.size(), 1u);
  EXPECT_EQ(result.config->routes[0].name, "r");
  EXPECT_EQ(result.config->routes[0].meta.id, entities[1].id);
}

TEST(EntityDocument, FileEntitiesGetStableIds) {
  testing::FakeFilterCatalog filters;
  const auto first = load_config_text(testing::kMinimalConfig, "a.toml", {}, filters);
  const auto second = load_config_text(testing::kMinimalConfig, "a.toml", {}, filters);
  ASSERT_TRUE(first.config);
  ASSERT_FALSE(first.entities.empty());
  EXPECT_EQ(first.entities[0].id, second.entities[0].id);
  EXPECT_EQ(first.entities[0].id, first.config->upstreams[0].meta.id);
}

TEST(EntityDocument, ExportParsesBackToTheSameEntities) {
  const std::vector<Entity> entities = {
      entity_of(EntityKind::upstream, R"({"name":"u","tags":["t"],"targets":[{"address":"h:1"}]})"),
      entity_of(EntityKind::consumer, R"({"name":"c","custom_id":"7"})"),
  };
  for (const bool toml : {true, false}) {
    const std::string text = toml ? export_toml(entities) : export_json(entities, 3);
    std::vector<Entity> parsed;
    std::vector<ConfigError> errors;
    ASSERT_TRUE(parse_entities_document(text, toml, parsed, errors)) << text;
    ASSERT_EQ(parsed.size(), 2u);
    for (std::size_t i = 0; i < parsed.size(); ++i) {
      EXPECT_TRUE(parsed[i].same_content(entities[i])) << text;
    }
  }
  std::vector<Entity> parsed;
  std::vector<ConfigError> errors;
  EXPECT_FALSE(parse_entities_document("[server]\nworkers = 1\n", true, parsed, errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("belong to the config file"), std::string::npos);
}

}  // namespace
}  // namespace apigw::config
