// The indexed Router against the reference router (reference_router.h, every route tried in
// turn) on random tables: small alphabets for hosts, segments, methods and predicate values make
// routes collide on every rule, so ties, several hosts, several paths, regexes and predicates all
// get decided over and over. Any difference in route, path or parameters fails with the request.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "proxy/router/reference_router.h"
#include "proxy/router/router.h"
#include "util/anchored_regex.h"

namespace apigw::proxy {
namespace {

using config::PathMatchKind;
using config::ValuePredicate;

class RandomTables {
 public:
  explicit RandomTables(std::uint32_t seed) : random_(seed) {
    for (const char* pattern :
         {"/api/v[0-9]+/.*", "/users/(?P<id>[0-9]+)", "/a/b.*", "(?i)/API/.*", ".*/v1",
          "/(?P<first>[a-z]+)/(?P<second>[a-z0-9]+)", "/users/[0-9]+|/a/.*", "/b/?",
          "/api/(?P<rest>.+)", "/v1/(users|a)/(?P<id>[^/]+)/"}) {
      std::string error;
      regexes_.emplace_back(pattern, util::compile_anchored_regex(pattern, error));
      EXPECT_TRUE(regexes_.back().second) << pattern << ": " << error;
    }
    value_regex_ = util::compile_anchored_regex("1|x.*", error_);
  }

  config::RouteMatch route() {
    config::RouteMatch match;
    if (chance(2)) {
      static const char* const kHosts[] = {
          "a.example.com", "b.example.com",    "example.com", "x.eu.example.com",
          "*.example.com", "*.eu.example.com", "[::1]",       "A.Example.COM"};
      const int count = 1 + pick(2);
      for (int i = 0; i < count; ++i) match.hosts.push_back(kHosts[pick(8)]);
    }
    if (chance(3)) {
      static const char* const kMethods[] = {"GET", "POST", "DELETE"};
      const int count = 1 + pick(2);
      for (int i = 0; i < count; ++i) match.methods.push_back(kMethods[pick(3)]);
    }
    match.paths.clear();
    const int paths = chance(4) ? 2 + pick(2) : 1;
    for (int i = 0; i < paths; ++i) match.paths.push_back(path());
    for (auto* list : {&match.headers, &match.query, &match.cookies}) {
      if (chance(4)) list->push_back(predicate(list == &match.headers ? "x-h" : "k"));
    }
    return match;
  }

  reference::Request request() {
    static const char* const kHosts[] = {"a.example.com",    "A.Example.com:8080", "b.example.com.",
                                         "x.eu.example.com", "y.eu.example.com",   "example.com",
                                         "other.org",        "[::1]:80",           "",
                                         "q.a.example.com"};
    static const char* const kMethods[] = {"GET", "POST", "DELETE", "PUT"};
    reference::Request request;
    request.host = kHosts[pick(10)];
    request.method = kMethods[pick(4)];
    request.path = request_path();
    static const char* const kQueries[] = {"", "k=1", "k=2", "k", "k=x1&k=2", "a=1", "k=%31"};
    request.query = kQueries[pick(7)];
    static const char* const kHeaders[][2] = {{"X-H", "1"},           {"x-h", "2"},
                                              {"x-h", "xy"},          {"Cookie", "k=1"},
                                              {"Cookie", "k=2; k=1"}, {"Cookie", "a=1"}};
    const int headers = pick(3);
    for (int i = 0; i < headers; ++i) {
      const auto& header = kHeaders[pick(6)];
      request.headers.emplace_back(header[0], header[1]);
    }
    return request;
  }

 private:
  bool chance(int one_in) { return pick(one_in) == 0; }
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }

  std::string segments(bool allow_param) {
    static const char* const kSegments[] = {"a", "b", "api", "v1", "users", "{id}"};
    std::string text;
    const int depth = pick(4);
    bool used_param = false;
    for (int i = 0; i < depth; ++i) {
      std::string segment = kSegments[pick(allow_param && !used_param ? 6 : 5)];
      used_param = used_param || segment == "{id}";
      text += "/" + segment;
    }
    if (allow_param && chance(5)) return text + "/{*rest}";  // a catch-all ends it
    if (text.empty() || chance(4)) text += "/";
    return text;
  }

  config::PathMatch path() {
    switch (pick(4)) {
      case 0:
        return {PathMatchKind::prefix, segments(false), nullptr};
      case 1:
        return {PathMatchKind::exact, segments(false), nullptr};
      case 2:
        return {PathMatchKind::templated, segments(true), nullptr};
      default: {
        const auto& [pattern, regex] = regexes_[pick(static_cast<int>(regexes_.size()))];
        return {PathMatchKind::regex, pattern, regex};
      }
    }
  }

  ValuePredicate predicate(const char* name) {
    ValuePredicate predicate;
    predicate.name = name;
    switch (pick(5)) {
      case 0:
        predicate.kind = ValuePredicate::Kind::exact;
        predicate.value = chance(2) ? "1" : "2";
        break;
      case 1:
        predicate.kind = ValuePredicate::Kind::prefix;
        predicate.value = "x";
        break;
      case 2:
        predicate.kind = ValuePredicate::Kind::regex;
        predicate.value = "1|x.*";
        predicate.regex = value_regex_;
        break;
      case 3:
        predicate.kind = ValuePredicate::Kind::present;
        break;
      default:
        predicate.kind = ValuePredicate::Kind::absent;
        break;
    }
    return predicate;
  }

  std::string request_path() {
    static const char* const kSegments[] = {"a", "b",  "api", "v1", "users",
                                            "7", "12", "API", "end"};
    std::string text;
    const int depth = pick(5);
    for (int i = 0; i < depth; ++i) text += std::string("/") + kSegments[pick(9)];
    if (text.empty() || chance(4)) text += "/";
    return text;
  }

  std::mt19937 random_;
  std::vector<std::pair<std::string, std::shared_ptr<const re2::RE2>>> regexes_;
  std::string error_;
  std::shared_ptr<const re2::RE2> value_regex_;
};

// Builds `route_count` random routes, routes `request_count` random requests through both
// routers, and fails on the first difference. Returns how many requests matched a route.
std::size_t compare(std::uint32_t seed, std::size_t route_count, std::size_t request_count) {
  RandomTables tables(seed);
  config::SharedList<config::RouteConfig> routes;
  for (std::size_t i = 0; i < route_count; ++i) {
    config::RouteConfig route;
    route.name = "r" + std::to_string(i);
    route.match = tables.route();
    routes.push_back(std::move(route));
  }
  const Router router = Router::build(routes);
  RegexCache cache;  // half the requests match with a worker's copies, half with the shared ones
  http::PathParams params;
  std::size_t matched = 0;
  for (std::size_t n = 0; n < request_count; ++n) {
    const reference::Request request = tables.request();
    const auto expected = reference::match(routes, request);
    const auto found = router.match(
        RouteRequest{request.host, request.method, request.path, request.query, request.headers},
        params, n % 2 == 0 ? &cache : nullptr);
    std::vector<std::pair<std::string, std::string>> captured;
    for (const auto& p : params) captured.emplace_back(p.name, p.value);
    const auto described = [&] {
      return request.method + " " + request.host + " " + request.path + "?" + request.query +
             " (seed " + std::to_string(seed) + ", request " + std::to_string(n) + ")";
    };
    EXPECT_EQ(found.has_value(), expected.has_value()) << described();
    if (found.has_value() != expected.has_value()) return matched;
    if (!found) continue;
    ++matched;
    EXPECT_EQ(found->route, expected->route) << described();
    EXPECT_EQ(found->path, expected->path) << described();
    EXPECT_EQ(captured, expected->params) << described();
    if (::testing::Test::HasFailure()) return matched;
  }
  return matched;
}

// Tables where nothing matches would prove little (big tables hold a catch-all route or two, so
// only the small ones also need requests that match nothing).
void expect_matches(std::size_t matched, std::size_t requests) {
  EXPECT_GT(matched, requests / 10);
}

TEST(RouterDifferential, SmallTablesManySeeds) {
  std::size_t matched = 0;
  for (std::uint32_t seed = 1; seed <= 200; ++seed) {
    matched += compare(seed, 1 + seed % 40, 300);
    if (HasFailure()) return;
  }
  expect_matches(matched, 200 * 300);
  EXPECT_LT(matched, 200 * 300 * 9 / 10);
}

TEST(RouterDifferential, FiveThousandRoutes) { expect_matches(compare(7, 5'000, 2'000), 2'000); }

TEST(RouterDifferential, HundredThousandRoutes) { expect_matches(compare(11, 100'000, 300), 300); }

}  // namespace
}  // namespace apigw::proxy
