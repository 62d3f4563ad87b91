// What choosing a target costs per request, for each balancer (issue #4: the choice must add
// under 2% CPU per request over round robin; a proxied request costs ~20 µs here). Run:
//   scripts/build.sh release micro_benchmarks && build/release/micro_benchmarks
#include <benchmark/benchmark.h>

#include <vector>

#include "proxy/balancers/balancer.h"

namespace apigw::proxy {
namespace {

void pick(benchmark::State& state, config::BalancerKind kind) {
  const auto count = static_cast<std::size_t>(state.range(0));
  std::vector<std::atomic<std::int64_t>> loads(count);
  std::vector<BalancerTarget> targets;
  for (std::size_t i = 0; i < count; ++i) {
    targets.push_back({"10.0.0." + std::to_string(i) + ":8080",
                       static_cast<std::uint32_t>(1 + i % 3), &loads[i]});
    loads[i] = static_cast<std::int64_t>(i % 5);
  }
  auto balancer = make_balancer(kind, targets, 0);
  std::vector<std::uint8_t> usable(count, 1);
  std::uint64_t key = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(balancer->pick(usable, hash_key(std::to_string(++key % 1000))));
  }
}

void round_robin(benchmark::State& state) { pick(state, config::BalancerKind::round_robin); }
void weighted_round_robin(benchmark::State& state) {
  pick(state, config::BalancerKind::weighted_round_robin);
}
void least_connections(benchmark::State& state) {
  pick(state, config::BalancerKind::least_connections);
}
void least_request_p2c(benchmark::State& state) {
  pick(state, config::BalancerKind::least_request_p2c);
}
void consistent_hash(benchmark::State& state) {
  pick(state, config::BalancerKind::consistent_hash);
}

BENCHMARK(round_robin)->Arg(3)->Arg(32);
BENCHMARK(weighted_round_robin)->Arg(3)->Arg(32);
BENCHMARK(least_connections)->Arg(3)->Arg(32);
BENCHMARK(least_request_p2c)->Arg(3)->Arg(32);
BENCHMARK(consistent_hash)->Arg(3)->Arg(32);

}  // namespace
}  // namespace apigw::proxy

BENCHMARK_MAIN();
