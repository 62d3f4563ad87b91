// What compressing a response costs: MB/s of input for gzip and Brotli at several levels, on a
// 16 KiB JSON-like body (a typical API response), one encoder per response as the filter uses it.
// The "ratio" counter is compressed size / input size. Run:
//   scripts/build.sh release micro_benchmarks
//   build/release/micro_benchmarks --benchmark_filter=Encoder
#include <benchmark/benchmark.h>

#include <string>

#include "filters/compression/encoder.h"

namespace apigw::filters::compression {
namespace {

std::string json_body(std::size_t size) {
  std::string out = "[";
  for (std::size_t i = 0; out.size() < size; ++i) {
    out += "{\"id\":" + std::to_string(100000 + i * 37) + ",\"name\":\"user-" +
           std::to_string(i * 7919 % 10007) + "\",\"email\":\"user" + std::to_string(i) +
           "@example.com\",\"active\":" + (i % 3 == 0 ? "false" : "true") +
           ",\"roles\":[\"reader\"" + (i % 4 == 0 ? ",\"admin\"" : "") +
           "],\"score\":" + std::to_string((i * 2654435761u) % 100000) + "},";
  }
  out.resize(size - 1);
  out += "]";
  return out;
}

void EncoderCompress(benchmark::State& state, Coding coding) {
  const std::string body = json_body(16 * 1024);
  const int level = static_cast<int>(state.range(0));
  std::string out;
  out.reserve(body.size() + 1024);
  for (auto _ : state) {
    out.clear();
    auto encoder = Encoder::make(coding, level);
    if (!encoder->write(body, out) || !encoder->finish(out)) state.SkipWithError("encoder failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
  state.counters["ratio"] = static_cast<double>(out.size()) / static_cast<double>(body.size());
}

void EncoderGzip(benchmark::State& state) { EncoderCompress(state, Coding::gzip); }
void EncoderBrotli(benchmark::State& state) { EncoderCompress(state, Coding::br); }

// The defaults (gzip 1, Brotli 4) and their neighbours, to show why they were chosen.
BENCHMARK(EncoderGzip)->Arg(1)->Arg(6)->Arg(9);
BENCHMARK(EncoderBrotli)->Arg(1)->Arg(4)->Arg(5)->Arg(6)->Arg(11);

}  // namespace
}  // namespace apigw::filters::compression
