// A route's `mirror`: its keys and defaults, every check with the place it points at, the
// reference admin writes must see, and the export round trip.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "config/entity_document.h"
#include "config/test_support.h"
#include "config/write_scope.h"

namespace apigw::config {
namespace {

using testing::all_errors;
using testing::find_error;
using testing::load_minimal_plus;

// Appended to the minimal config (which ends on line 16): the route's `mirror` is on line 23.
std::string route_with_mirror(std::string_view mirror, std::string_view route_extra = "") {
  return "[[upstreams]]\nname = \"shadow\"\ntargets = [{ address = \"127.0.0.1:9002\" }]\n"
         "[[routes]]\nname = \"r\"\nupstream = \"backend\"\nmirror = " +
         std::string(mirror) + "\n" + std::string(route_extra);
}

TEST(ConfigMirror, ReadsEveryKeyAndDefaultsTheRest) {
  const auto full = load_minimal_plus(route_with_mirror(
      R"({ upstream = "shadow", percent = 0.5, max_body_bytes = "16KiB", timeout = "750ms" })"));
  ASSERT_TRUE(full.config) << all_errors(full);
  const auto& mirror = full.config->routes[1].mirror;
  ASSERT_TRUE(mirror.has_value());
  EXPECT_EQ(mirror->upstream, "shadow");
  EXPECT_DOUBLE_EQ(mirror->percent, 0.5);
  EXPECT_EQ(mirror->max_body_bytes, 16u * 1024);
  EXPECT_EQ(mirror->timeout, Duration{750});

  const auto plain =
      load_minimal_plus(route_with_mirror(R"({ upstream = "shadow", percent = 5 })"));
  ASSERT_TRUE(plain.config) << all_errors(plain);
  EXPECT_DOUBLE_EQ(plain.config->routes[1].mirror->percent, 5.0);
  EXPECT_EQ(plain.config->routes[1].mirror->max_body_bytes, 64u * 1024);
  EXPECT_EQ(plain.config->routes[1].mirror->timeout, Duration{2'000});
  const auto defaults = load_minimal_plus(route_with_mirror(R"({ upstream = "shadow" })"));
  ASSERT_TRUE(defaults.config) << all_errors(defaults);
  EXPECT_DOUBLE_EQ(defaults.config->routes[1].mirror->percent, 100.0);
  EXPECT_FALSE(defaults.config->routes[0].mirror.has_value()) << "off unless configured";
}

struct Refused {
  std::string mirror;
  std::string message;
  std::uint32_t column;  // on line 23, where the offending value is
};

TEST(ConfigMirror, EachCheckPointsAtTheValue) {
  const std::vector<Refused> cases = {
      {R"({ upstream = "shadw" })",
       "mirror upstream 'shadw' is not defined; did you mean 'shadow'?", 23},
      {R"({ upstream = "backend" })", "the mirror upstream must differ from the route's upstream",
       23},
      {R"({ upstream = "shadow", percent = 101 })", "mirror 'percent' must be between 0 and 100",
       43},
      {R"({ upstream = "shadow", percent = -0.5 })", "mirror 'percent' must be between 0 and 100",
       43},
      {R"({ upstream = "shadow", percent = nan })", "mirror 'percent' must be between 0 and 100",
       43},
      {R"({ upstream = "shadow", percent = "5%" })", "'percent' must be a number (0-100)", 43},
      {R"({ upstream = "shadow", max_body_bytes = "2MiB" })",
       "mirror 'max_body_bytes' must be at most 1MiB", 50},
      {R"({ upstream = "shadow", timeout = "0s" })", "'timeout' must be greater than zero", 43},
      {R"({ percent = 5 })", "missing required key 'upstream'", 10},
      {R"({ upstream = "shadow", precent = 5 })", "did you mean 'percent'?", 33},
  };
  for (const auto& refused : cases) {
    SCOPED_TRACE(refused.mirror);
    const auto result = load_minimal_plus(route_with_mirror(refused.mirror));
    EXPECT_FALSE(result.config);
    const ConfigError* error = find_error(result, refused.message);
    ASSERT_NE(error, nullptr) << all_errors(result);
    EXPECT_EQ(error->position.file, "test.toml");
    EXPECT_EQ(error->position.line, 23u);
    EXPECT_EQ(error->position.column, refused.column) << error->to_string();
  }
}

TEST(ConfigMirror, TheMirrorUpstreamIsNoneOfASplitsUpstreams) {
  const std::string split =
      "[[upstreams]]\nname = \"shadow\"\ntargets = [{ address = \"127.0.0.1:9002\" }]\n"
      "[[upstreams]]\nname = \"spare\"\ntargets = [{ address = \"127.0.0.1:9003\" }]\n"
      "[[routes]]\nname = \"r\"\nupstreams = [{ name = \"backend\", weight = 9 }, "
      "{ name = \"shadow\", weight = 1 }]\n";
  const auto arm = load_minimal_plus(split + "mirror = { upstream = \"shadow\" }\n");
  const ConfigError* error =
      find_error(arm, "the mirror upstream must differ from every upstream of 'upstreams'");
  ASSERT_NE(error, nullptr) << all_errors(arm);
  EXPECT_EQ(error->position.line, 26u);
  EXPECT_EQ(error->position.column, 23u);
  const auto other = load_minimal_plus(split + "mirror = { upstream = \"spare\" }\n");
  EXPECT_TRUE(other.config) << all_errors(other);
}

// Knows one handler, "static", so that a route can have one.
class HandlerCatalog final : public FilterCatalog {
 public:
  std::vector<std::string> filter_names() const override { return {}; }
  std::shared_ptr<const void> parse_filter(std::string_view, TableReader&) const override {
    return nullptr;
  }
  std::vector<std::string> handler_names() const override { return {"static"}; }
  std::shared_ptr<const void> parse_handler(std::string_view, TableReader&) const override {
    return std::make_shared<int>(1);
  }
};

TEST(ConfigMirror, AHandlerRouteCannotMirror) {
  const HandlerCatalog catalog;
  const auto result = load_config_text(
      std::string(testing::kMinimalConfig) +
          "[[upstreams]]\nname = \"shadow\"\ntargets = [{ address = \"127.0.0.1:9002\" }]\n"
          "[[routes]]\nname = \"page\"\nhandler = { name = \"static\" }\n"
          "mirror = { upstream = \"shadow\" }\n",
      "test.toml", {}, catalog);
  const ConfigError* error = find_error(
      result,
      "route 'page' is answered by its handler: 'mirror' applies to routes with an upstream");
  ASSERT_NE(error, nullptr) << all_errors(result);
  EXPECT_EQ(error->position.line, 23u);
  EXPECT_EQ(find_error(result, "needs exactly one of"), nullptr) << all_errors(result);
}

Entity entity(EntityKind kind, std::string_view json) {
  Entity out;
  std::vector<FieldError> errors;
  EXPECT_TRUE(entity_from_json(kind, boost::json::parse(json).as_object(), out, errors));
  return out;
}

// Deleting the mirror upstream through the admin API is checked on the write's scope: the scope
// must hold the route that mirrors to it, or the delete would pass and leave the route dangling.
TEST(ConfigMirror, AdminWritesSeeTheMirrorUpstreamAsAReference) {
  const std::vector<Entity> set = {
      entity(EntityKind::upstream, R"({"name":"live","targets":[{"address":"127.0.0.1:9001"}]})"),
      entity(EntityKind::upstream, R"({"name":"shadow","targets":[{"address":"127.0.0.1:9002"}]})"),
      entity(EntityKind::route,
             R"({"name":"r","upstream":"live","mirror":{"upstream":"shadow","percent":5}})"),
  };
  const auto references = references_of(set[2]);
  EXPECT_NE(std::find(references.begin(), references.end(),
                      EntityReference{EntityKind::upstream, "shadow"}),
            references.end());

  std::vector<Entity> after_delete = {set[0], set[2]};
  ReferenceCache cache;
  const WriteScope scope = write_scope(after_delete, nullptr, &set[1], cache);
  ASSERT_EQ(scope.entities.size(), 2u) << "the route that names it, and the route's upstream";
  static const testing::FakeFilterCatalog catalog;
  const LoadResult part = load_config_text(
      "[server]\nlisten = [\"127.0.0.1:8080\"]\n[admin]\nlisten = \"127.0.0.1:9901\"\n", "f.toml",
      {}, catalog, &scope.entities, &scope.names);
  EXPECT_TRUE(find_error(part, "mirror upstream 'shadow' is not defined")) << all_errors(part);
}

TEST(ConfigMirror, ExportAndImportKeepIt) {
  const std::vector<Entity> entities = {
      entity(EntityKind::upstream, R"({"name":"live","targets":[{"address":"127.0.0.1:9001"}]})"),
      entity(EntityKind::upstream, R"({"name":"shadow","targets":[{"address":"127.0.0.1:9002"}]})"),
      entity(EntityKind::route, R"({"name":"r","upstream":"live","mirror":{"upstream":"shadow",)"
                                R"("percent":0.5,"max_body_bytes":"8KiB","timeout":"1s"}})"),
  };
  const std::string text = export_toml(entities);
  std::vector<Entity> parsed;
  std::vector<ConfigError> errors;
  ASSERT_TRUE(parse_entities_document(text, true, parsed, errors)) << text;
  ASSERT_EQ(parsed.size(), entities.size());
  EXPECT_TRUE(parsed[2].same_content(entities[2])) << parsed[2].body << "\n" << text;
  const auto loaded = load_minimal_plus(text);
  ASSERT_TRUE(loaded.config) << all_errors(loaded) << text;
  const auto& mirror = loaded.config->routes[1].mirror;
  ASSERT_TRUE(mirror.has_value());
  EXPECT_DOUBLE_EQ(mirror->percent, 0.5);
  EXPECT_EQ(mirror->max_body_bytes, 8u * 1024);
  EXPECT_EQ(mirror->timeout, Duration{1'000});
}

}  // namespace
}  // namespace apigw::config
