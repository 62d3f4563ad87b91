// What asking "is this address trusted?" costs with a realistic list (~50 blocks of both families):
// the forwarded-for walk asks once per hop, access lists once per request. Run:
//   scripts/build.sh release micro_benchmarks
//   build/release/micro_benchmarks --benchmark_filter=Cidr
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "util/cidr.h"

namespace apigw::util {
namespace {

CidrSet fifty_blocks() {
  std::vector<Cidr> blocks;
  for (int i = 0; i < 35; ++i) {
    blocks.push_back(*parse_cidr("10." + std::to_string(i * 7) + ".0.0/16"));
  }
  for (int i = 0; i < 15; ++i) {
    blocks.push_back(*parse_cidr("2001:db8:" + std::to_string(i * 3) + "::/48"));
  }
  return CidrSet(blocks);
}

std::vector<IpAddress> probes() {
  std::vector<IpAddress> out;
  for (int i = 0; i < 64; ++i) {
    out.push_back(*parse_ip("10." + std::to_string(i * 3) + ".1.2"));
    out.push_back(*parse_ip("2001:db8:" + std::to_string(i) + "::1"));
  }
  return out;
}

void CidrSetContainsBinary(benchmark::State& state) {
  const CidrSet set = fifty_blocks();
  const std::vector<IpAddress> addresses = probes();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(set.contains(addresses[i++ % addresses.size()]));
  }
}

// With the address as text, as the gateway has a peer or a header element: parse, then look up.
void CidrSetContainsText(benchmark::State& state) {
  const CidrSet set = fifty_blocks();
  std::vector<std::string> texts;
  for (const IpAddress& address : probes()) texts.push_back(format_ip(address));
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(set.contains(std::string_view(texts[i++ % texts.size()])));
  }
}

BENCHMARK(CidrSetContainsBinary);
BENCHMARK(CidrSetContainsText);

}  // namespace
}  // namespace apigw::util
