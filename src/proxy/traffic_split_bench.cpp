// What picking a split's arm costs per request: a random point (a route without `sticky`) or the
// hash of a sticky key, over 2 and 16 arms. Run:
//   scripts/build.sh release micro_benchmarks && build/release/micro_benchmarks
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "proxy/traffic_split.h"
#include "util/fast_random.h"

namespace apigw::proxy {
namespace {

TrafficSplit split_with(benchmark::State& state) {
  std::vector<std::uint32_t> weights(static_cast<std::size_t>(state.range(0)), 10);
  weights.back() = 1;
  return TrafficSplit(weights);
}

void split_random(benchmark::State& state) {
  const TrafficSplit split = split_with(state);
  util::FastRandom random(1);
  for (auto _ : state) benchmark::DoNotOptimize(split.pick(random.next()));
}

void split_sticky(benchmark::State& state) {
  const TrafficSplit split = split_with(state);
  const std::string session = "3f0c9a1e6b7d4c2f8e5a1b9d0c7e6f5a";  // a session cookie's value
  for (auto _ : state) {
    benchmark::DoNotOptimize(session.data());
    benchmark::DoNotOptimize(split.pick(TrafficSplit::point_of(session)));
  }
}

BENCHMARK(split_random)->Arg(2)->Arg(16);
BENCHMARK(split_sticky)->Arg(2)->Arg(16);

}  // namespace
}  // namespace apigw::proxy
