// What matching a request costs as the route table grows (issue #13: under 1 µs median at 10,000
// routes, and the same at 10 routes as at 10,000), and what building the table costs (under
// 50 ms at 10,000 routes). Tables as bench/route_scale.sh builds them: route K matches "/rK/..."
// as a prefix, a template or a regex; requests go to the last route, the worst case of a list
// scan, and to a path no route matches. Run:
//   scripts/build.sh release micro_benchmarks && build/release/micro_benchmarks
//   --benchmark_filter=Router
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "proxy/router/router.h"
#include "util/anchored_regex.h"

namespace apigw::proxy {
namespace {

enum class Mix { prefix, templated, regex, mixed };

config::PathMatch path_of(Mix mix, std::size_t k) {
  const std::string base = "/r" + std::to_string(k);
  switch (mix == Mix::mixed ? static_cast<Mix>(k % 3) : mix) {
    case Mix::prefix:
      return {config::PathMatchKind::prefix, base + "/", nullptr};
    case Mix::templated:
      return {config::PathMatchKind::templated, base + "/items/{id}", nullptr};
    default: {
      std::string error;
      const std::string pattern = base + "/v[0-9]+/items";
      return {config::PathMatchKind::regex, pattern, util::compile_anchored_regex(pattern, error)};
    }
  }
}

std::string request_path(Mix mix, std::size_t k) {
  const std::string base = "/r" + std::to_string(k);
  switch (mix == Mix::mixed ? static_cast<Mix>(k % 3) : mix) {
    case Mix::prefix:
      return base + "/items/42";
    case Mix::templated:
      return base + "/items/42";
    default:
      return base + "/v1/items";
  }
}

config::SharedList<config::RouteConfig> table(Mix mix, std::size_t count) {
  config::SharedList<config::RouteConfig> routes;
  for (std::size_t k = 0; k < count; ++k) {
    config::RouteConfig route;
    route.name = "r" + std::to_string(k);
    route.upstream = "u" + std::to_string(k % 1000);
    route.match.paths = {path_of(mix, k)};
    routes.push_back(std::move(route));
  }
  return routes;
}

void match(benchmark::State& state, Mix mix, bool hit) {
  const auto count = static_cast<std::size_t>(state.range(0));
  const auto routes = table(mix, count);
  const Router router = Router::build(routes);
  RegexCache regexes;
  const std::string path = hit ? request_path(mix, count - 1) : "/nomatch/items/42";
  const std::vector<http::Header> headers{{"Host", "api.example.com"}, {"User-Agent", "wrk"}};
  http::PathParams params;
  const RouteRequest request{"api.example.com", "GET", path, {}, headers};
  if (router.match(request, params, &regexes).has_value() != hit) {
    state.SkipWithError("the table does not route the request as intended");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(router.match(request, params, &regexes));
}

void build(benchmark::State& state, Mix mix) {
  const auto routes = table(mix, static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(Router::build(routes));
}

#define APIGW_ROUTER_BENCH(name, mix)                                         \
  void RouterMatchLast_##name(benchmark::State& s) { match(s, mix, true); }   \
  void RouterMatchMiss_##name(benchmark::State& s) { match(s, mix, false); }  \
  void RouterBuild_##name(benchmark::State& s) { build(s, mix); }             \
  BENCHMARK(RouterMatchLast_##name)->Arg(1)->Arg(100)->Arg(1000)->Arg(10000); \
  BENCHMARK(RouterMatchMiss_##name)->Arg(1)->Arg(10000);                      \
  BENCHMARK(RouterBuild_##name)->Arg(10000)->Unit(benchmark::kMillisecond)

APIGW_ROUTER_BENCH(prefix, Mix::prefix);
APIGW_ROUTER_BENCH(template, Mix::templated);
APIGW_ROUTER_BENCH(regex, Mix::regex);
APIGW_ROUTER_BENCH(mixed, Mix::mixed);

}  // namespace
}  // namespace apigw::proxy
