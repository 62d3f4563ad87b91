#include "observe/counter_families.h"

namespace apigw::observe {
namespace {

// In the order of Family.
const std::array<FamilySpec, kFamilyCount>& families() {
  static const std::array<FamilySpec, kFamilyCount> kFamilies = {{
      // The TLS cell shows once a handshake has failed.
      {"apigw_upstream_connect_errors_total",
       "Failed connection attempts to targets; kind=\"tls\": the TLS handshake failed.",
       CountedPer::upstream,
       {"", ",kind=\"tls\""},
       1},
      {"apigw_upstream_retries_total",
       "Tries after a failed one: retries made or refused by the retry budget, and failovers "
       "of requests that never reached the failed target.",
       CountedPer::upstream,
       {",result=\"retried\"", ",result=\"budget_exhausted\"", ",result=\"failover\""},
       3},
      {"apigw_upstream_ejections_total",
       "Targets taken out of rotation by outlier detection.",
       CountedPer::upstream,
       {""},
       1},
      // Target breakers always show; the upstream's own only once it has moved.
      {"apigw_upstream_breaker_transitions_total",
       "Circuit breaker state changes of targets, by the state entered.",
       CountedPer::upstream,
       {",scope=\"target\",to=\"closed\"", ",scope=\"target\",to=\"open\"",
        ",scope=\"target\",to=\"half_open\"", ",scope=\"upstream\",to=\"closed\"",
        ",scope=\"upstream\",to=\"open\"", ",scope=\"upstream\",to=\"half_open\""},
       3},
      {"apigw_fallbacks_total",
       "Answers from a route's fallback, by kind.",
       CountedPer::route,
       {",kind=\"stale\"", ",kind=\"upstream\"", ",kind=\"static\""},
       3},
      // Only upstreams that are arms of a split show.
      {"apigw_upstream_split_picks_total",
       "Requests that a route's weighted split (upstreams) sent to the upstream.",
       CountedPer::upstream,
       {""},
       0},
      // Every result shows from the route's first snapshot on (Worker::install makes the cells).
      {"apigw_mirror_requests_total",
       "Requests a route's mirror sampled, by what became of their copy.",
       CountedPer::route,
       {",result=\"sent\"", ",result=\"failed\"", ",result=\"dropped\"",
        ",result=\"skipped_body\""},
       4},
      // Both directions show from the upstream's first snapshot on (Worker::install makes them).
      {"apigw_upstream_bytes_total",
       "Bytes received from and sent to the upstream's targets (HTTP heads, bodies and framing, "
       "HTTP/2 frames, WebSocket tunnels and mirrored copies; before TLS; health checks not "
       "counted).",
       CountedPer::upstream,
       {",direction=\"received\"", ",direction=\"sent\""},
       2},
  }};
  return kFamilies;
}

}  // namespace

const FamilySpec& family_spec(Family family) {
  return families()[static_cast<std::size_t>(family)];
}

std::string_view entity_label(CountedPer per) {
  return per == CountedPer::upstream ? "upstream" : "route";
}

}  // namespace apigw::observe
