// HTTP/2 connection counters (per worker, merged on scrape like the other shard values): open
// connections, streams, resets by clients, and GOAWAYs the gateway sent, by reason.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace apigw::observe {

// The abuse reasons of h2::Abuse, in its order (checked where the server counts them), without
// its `none`.
inline constexpr std::array<std::string_view, 5> kHttp2AbuseReasons = {
    "rapid_reset", "control_flood", "empty_data", "continuation", "header_abuse"};

// Written on the owning worker only.
struct Http2Counters {
  bool enabled = false;          // a listener speaks HTTP/2: the series are rendered
  std::int64_t connections = 0;  // open
  std::uint64_t connections_total = 0;
  std::uint64_t streams_total = 0;
  std::uint64_t stream_resets = 0;  // streams that ended with RST_STREAM (either side)
  // GOAWAYs: [0] unused (h2::Abuse::none), then by kHttp2AbuseReasons.
  std::array<std::uint64_t, kHttp2AbuseReasons.size() + 1> goaways_abuse{};
  std::uint64_t goaways_protocol_error = 0;
  std::uint64_t goaways_idle = 0;

  void merge(const Http2Counters& other);
};

// Appends the HTTP/2 series in the Prometheus text format.
void render_http2_prometheus(std::string& out, const Http2Counters& counters);

}  // namespace apigw::observe
