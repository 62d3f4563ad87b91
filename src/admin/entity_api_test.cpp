#include "admin/entity_api.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <exception>

namespace apigw::admin {
namespace {
namespace json = boost::json;

// The control plane as the admin API sees it: a fixed entity list, and writes that are recorded
// and answered with `outcome`.
class FakeConfigService final : public ConfigService {
 public:
  ConfigStatus status() const override {
    ConfigStatus status;
    status.source = "sqlite";
    status.revision = 9;
    return status;
  }
  const std::vector<config::Entity>& entities() const override { return entities_; }
  server::awaitable<WriteOutcome> write(store::Mutation mutation) override {
    writes.push_back(std::move(mutation));
    co_return outcome;
  }
  server::awaitable<WriteOutcome> import(std::vector<config::Entity>) override {
    co_return WriteOutcome{};
  }
  std::vector<ErrorDetail> validate(const std::vector<config::Entity>&) const override {
    return {};
  }
  std::vector<ErrorDetail> validate_file(std::string_view, bool) const override { return {}; }
  server::awaitable<WriteOutcome> reload() override { co_return WriteOutcome{}; }

  void add(config::EntityKind kind, std::string id, std::string name,
           std::vector<std::string> tags = {}) {
    config::Entity entity;
    entity.kind = kind;
    entity.id = std::move(id);
    entity.name = std::move(name);
    entity.tags = std::move(tags);
    entity.body = "{}";
    entities_.push_back(std::move(entity));
  }

  std::vector<store::Mutation> writes;
  WriteOutcome outcome;

 private:
  std::vector<config::Entity> entities_;
};

class EntityApi : public ::testing::Test {
 protected:
  // Runs handle_entity_api to completion on a private io_context.
  std::optional<AdminResponse> call(const std::string& method, const std::string& path,
                                    const std::string& body = "",
                                    std::vector<std::pair<std::string, std::string>> query = {},
                                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    AdminRequest request;
    request.method = method;
    request.path = path;
    request.body = body;
    request.query = std::move(query);
    request.headers = std::move(headers);
    boost::asio::io_context context;
    std::optional<AdminResponse> response;
    std::exception_ptr error;
    boost::asio::co_spawn(context.get_executor(), handle_entity_api(request, service),
                          [&](std::exception_ptr e, std::optional<AdminResponse> r) {
                            error = e;
                            response = std::move(r);
                          });
    context.run();
    if (error) std::rethrow_exception(error);
    return response;
  }

  static json::object body_of(const AdminResponse& response) {
    return json::parse(response.body).as_object();
  }
  static std::string header_of(const AdminResponse& response, std::string_view name) {
    for (const auto& [key, value] : response.headers) {
      if (key == name) return value;
    }
    return "";
  }

  FakeConfigService service;
};

TEST_F(EntityApi, ListsPageByPageWithANextLinkThatKeepsTheTagFilter) {
  service.add(config::EntityKind::route, "id-1", "r1", {"team a", "prod"});
  service.add(config::EntityKind::upstream, "id-u", "u", {"team a"});
  service.add(config::EntityKind::route, "id-2", "r2", {"team a"});
  service.add(config::EntityKind::route, "id-3", "r3", {"prod"});
  service.add(config::EntityKind::route, "id-4", "r4", {"team a"});
  const auto page =
      call("GET", "/admin/routes", "", {{"limit", "1"}, {"offset", "1"}, {"tag", "team a"}});
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200) << page->body;
  const json::object body = body_of(*page);
  EXPECT_EQ(body.at("total").as_int64(), 3) << "routes tagged 'team a' only";
  ASSERT_EQ(body.at("data").as_array().size(), 1u);
  EXPECT_EQ(body.at("data").as_array()[0].at("name").as_string(), "r2");
  EXPECT_EQ(body.at("next").as_string(), "/admin/routes?offset=2&limit=1&tag=team%20a");
  const auto last = call("GET", "/admin/routes", "", {{"offset", "2"}, {"tags", "team a,prod"}});
  ASSERT_TRUE(last);
  const json::object last_body = body_of(*last);
  EXPECT_EQ(last_body.at("total").as_int64(), 1) << "tags=a,b means both";
  EXPECT_TRUE(last_body.at("next").is_null());
}

TEST_F(EntityApi, RefusesPageSizesOutsideOneToAThousand) {
  for (const char* limit : {"0", "1001", "-1", "ten"}) {
    const auto response = call("GET", "/admin/routes", "", {{"limit", limit}});
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 400) << limit;
    EXPECT_NE(response->body.find("\"code\":\"invalid_query\""), std::string::npos);
  }
  EXPECT_EQ(call("GET", "/admin/routes", "", {{"limit", "1000"}})->status, 200);
}

TEST_F(EntityApi, IfMatchOrTheBodysVersionBecomesTheWritesPrecondition) {
  service.outcome.entity.id = "id-1";
  service.outcome.entity.body = "{}";
  ASSERT_EQ(call("PATCH", "/admin/routes/r1", "{}", {}, {{"if-match", "W/\"3\""}})->status, 200);
  ASSERT_EQ(call("PUT", "/admin/routes/r1", R"({"version":5,"upstream":"u"})")->status, 200);
  ASSERT_EQ(
      call("PATCH", "/admin/routes/r1", R"({"version":5})", {}, {{"if-match", "\"4\""}})->status,
      200);
  ASSERT_EQ(call("DELETE", "/admin/routes/r1", "", {}, {{"if-match", "*"}})->status, 204);
  ASSERT_EQ(service.writes.size(), 4u);
  EXPECT_EQ(service.writes[0].op, store::Mutation::Op::patch);
  EXPECT_EQ(service.writes[0].key, "r1");
  EXPECT_EQ(service.writes[0].expected_version, 3);
  EXPECT_EQ(service.writes[1].op, store::Mutation::Op::upsert);
  EXPECT_EQ(service.writes[1].expected_version, 5);
  EXPECT_FALSE(service.writes[1].document.contains("version")) << "not stored as a field";
  EXPECT_TRUE(service.writes[1].document.contains("upstream"));
  EXPECT_EQ(service.writes[2].expected_version, 4) << "If-Match wins over the body";
  EXPECT_EQ(service.writes[3].op, store::Mutation::Op::remove);
  EXPECT_FALSE(service.writes[3].expected_version) << "\"*\" matches any version";
}

TEST_F(EntityApi, MalformedPreconditionsAndBodiesAreRefusedBeforeAnyWrite) {
  const auto bad_if_match = call("PATCH", "/admin/routes/r1", "{}", {}, {{"if-match", "\"v3\""}});
  EXPECT_EQ(bad_if_match->status, 400);
  EXPECT_NE(bad_if_match->body.find("invalid_if_match"), std::string::npos);
  const auto bad_version = call("PUT", "/admin/routes/r1", R"({"version":"5"})");
  EXPECT_EQ(bad_version->status, 400);
  EXPECT_NE(bad_version->body.find("'version' must be an integer"), std::string::npos);
  const auto not_json = call("POST", "/admin/routes", "{name:");
  EXPECT_EQ(not_json->status, 400);
  EXPECT_NE(not_json->body.find("\"code\":\"invalid_json\""), std::string::npos);
  const auto array = call("POST", "/admin/routes", "[]");
  EXPECT_EQ(array->status, 400);
  EXPECT_NE(array->body.find("must be a JSON object"), std::string::npos);
  EXPECT_TRUE(service.writes.empty());
}

TEST_F(EntityApi, ACreatedEntityIsAnsweredWithItsLocationAndETag) {
  service.outcome.status = 201;
  service.outcome.entity.kind = config::EntityKind::consumer;
  service.outcome.entity.id = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d";
  service.outcome.entity.name = "alice";
  service.outcome.entity.version = 1;
  service.outcome.entity.body = "{}";
  const auto created = call("POST", "/admin/consumers", R"({"name":"alice"})");
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 201);
  EXPECT_EQ(header_of(*created, "Location"),
            "/admin/consumers/5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d");
  EXPECT_EQ(header_of(*created, "ETag"), "\"1\"");
  EXPECT_EQ(body_of(*created).at("name").as_string(), "alice");
  ASSERT_EQ(service.writes.size(), 1u);
  EXPECT_EQ(service.writes[0].op, store::Mutation::Op::create);
  EXPECT_EQ(service.writes[0].kind, config::EntityKind::consumer);
}

TEST_F(EntityApi, AFailedWriteIsAnsweredInTheErrorFormatWithDetails) {
  service.outcome.status = 409;
  service.outcome.code = "name_taken";
  service.outcome.message = "a route named 'r1' exists";
  service.outcome.details = {{"routes/r1", "name", "taken"}};
  const auto refused = call("POST", "/admin/routes", R"({"name":"r1"})");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 409);
  EXPECT_EQ(refused->body,
            "{\"error\":{\"status\":409,\"code\":\"name_taken\",\"message\":\"a route named 'r1' "
            "exists\",\"details\":[{\"entity\":\"routes/r1\",\"field\":\"name\",\"message\":"
            "\"taken\"}]}}\n");
}

TEST_F(EntityApi, UnknownEntitiesAre404AndOtherMethods405WithAllow) {
  service.add(config::EntityKind::route, "id-1", "r1");
  EXPECT_EQ(call("GET", "/admin/routes/r1")->status, 200);
  EXPECT_EQ(call("GET", "/admin/routes/id-1")->status, 200) << "by id as well";
  const auto missing = call("GET", "/admin/routes/nope");
  EXPECT_EQ(missing->status, 404);
  EXPECT_NE(missing->body.find("no route with id or name 'nope'"), std::string::npos);
  const auto on_collection = call("DELETE", "/admin/routes");
  EXPECT_EQ(on_collection->status, 405);
  EXPECT_EQ(header_of(*on_collection, "Allow"), "GET, POST");
  EXPECT_EQ(header_of(*call("POST", "/admin/routes/r1"), "Allow"), "GET, PUT, PATCH, DELETE");
  EXPECT_EQ(header_of(*call("GET", "/admin/reload"), "Allow"), "POST");
}

TEST_F(EntityApi, PathsOutsideTheEntityApiAreLeftToOtherHandlers) {
  EXPECT_FALSE(call("GET", "/admin/status/upstreams"));
  EXPECT_FALSE(call("GET", "/admin/routes/r1/extra"));
  EXPECT_FALSE(call("GET", "/metrics"));
  EXPECT_FALSE(call("GET", "/admin/config/unknown"));
}

TEST_F(EntityApi, ExportsTomlByDefaultJsonOrYamlWhenAskedAndRefusesOtherFormats) {
  const auto toml = call("GET", "/admin/config/export");
  EXPECT_EQ(toml->content_type, "application/toml");
  EXPECT_EQ(toml->body.rfind("# apigw entities export", 0), 0u) << toml->body;
  const auto as_json = call("GET", "/admin/config/export", "", {{"format", "json"}});
  EXPECT_EQ(as_json->content_type, "application/json");
  EXPECT_EQ(body_of(*as_json).at("revision").as_int64(), 9) << "the served revision";
  const auto yaml = call("GET", "/admin/config/export", "", {{"format", "yaml"}});
  EXPECT_EQ(yaml->status, 200);
  EXPECT_EQ(yaml->content_type, "application/yaml");
  EXPECT_EQ(yaml->body.rfind("# apigw entities export", 0), 0u) << yaml->body;
  EXPECT_EQ(call("GET", "/admin/config/export", "", {{"format", "xml"}})->status, 400);
  EXPECT_EQ(call("POST", "/admin/config/export")->status, 405);
}

TEST(AdminHttp, ResponsesSayWhetherTheConnectionStaysOpen) {
  AdminResponse created = json_response(201, json::object{{"ok", true}});
  created.headers.emplace_back("ETag", "\"2\"");
  EXPECT_EQ(serialize_response(created, true),
            "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nETag: \"2\"\r\n"
            "Content-Length: 12\r\n\r\n{\"ok\":true}\n");
  AdminResponse empty;
  empty.status = 204;
  EXPECT_EQ(serialize_response(empty),
            "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
      << "a 204 has no Content-Type";
}

TEST(AdminHttp, RequestHeadersAndParametersAreLookedUpByName) {
  AdminRequest request;
  request.headers = {{"if-match", "\"3\""}};
  request.query = {{"limit", "5"}, {"tag", "a"}, {"tag", "b"}};
  EXPECT_EQ(request.header("if-match"), "\"3\"");
  EXPECT_EQ(request.header("etag"), "");
  EXPECT_EQ(request.param("limit"), "5");
  EXPECT_EQ(request.param("tag"), "a") << "the first of repeated parameters";
  EXPECT_FALSE(request.param("offset"));
}

TEST(AdminHttp, ConfigErrorsBecomeDetailsNamingFileLineOrEntity) {
  config::ConfigError at_line;
  at_line.position.file = "apigw.toml";
  at_line.position.line = 12;
  at_line.position.field = "timeout";
  at_line.message = "invalid duration";
  config::ConfigError in_entity;
  in_entity.position.file = "routes/r";
  in_entity.position.field = "match.path_prefix";
  in_entity.message = "must start with '/'";
  const auto details = details_of({at_line, in_entity});
  ASSERT_EQ(details.size(), 2u);
  EXPECT_EQ(details[0].entity, "apigw.toml:12");
  EXPECT_EQ(details[0].field, "timeout");
  EXPECT_EQ(details[1].entity, "routes/r");
  EXPECT_EQ(details[1].field, "match.path_prefix");
}

}  // namespace
}  // namespace apigw::admin
