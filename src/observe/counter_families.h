// Every labelled counter family of the gateway, declared once: its metric name, help, the entity
// it is counted per (an upstream or a route) and the values of its second label, one cell each.
// Adding a family is one Family value, its cell enum, and one line in counter_families.cpp;
// the shard, the merge and the Prometheus page follow from the table. Callers name cells by
// their typed enum (RetryResult::retried), never by index.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace apigw::observe {

enum class Family : std::uint8_t {
  connect_errors,       // per upstream; cell: ConnectError
  retries,              // per upstream; cell: RetryResult
  ejections,            // per upstream; cell: Ejection
  breaker_transitions,  // per upstream; cell: BreakerTransition
  fallbacks,            // per route; cell: FallbackKind
  split_picks,          // per upstream; cell: SplitPick
  mirrors,              // per route; cell: MirrorResult
  upstream_bytes,       // per upstream; cell: UpstreamBytes
};
inline constexpr std::size_t kFamilyCount = 8;

// A target that could not be connected to (refused, unreachable, timed out), and one whose TLS
// handshake failed (its certificate refused, or the protocol): counted apart, the latter with
// kind="tls".
enum class ConnectError : std::uint8_t { failed, tls };
// Tries after a failed one (docs/resilience.md): retries made or refused by the retry budget, and
// failovers (the request never reached the failed target; outside the budget).
enum class RetryResult : std::uint8_t { retried, budget_exhausted, failover };
enum class Ejection : std::uint8_t { ejected };
// A circuit breaker's state change, by breaker (a target's, the upstream's) and state entered.
enum class BreakerTransition : std::uint8_t {
  target_closed,
  target_open,
  target_half_open,
  upstream_closed,
  upstream_open,
  upstream_half_open,
};
enum class FallbackKind : std::uint8_t { stale, upstream, static_response };
// A route's weighted split sent a request to the upstream.
enum class SplitPick : std::uint8_t { picked };
// What became of a request the route's `mirror` sampled: copied and answered by the mirror (any
// status), failed (no usable target, connect, reset, timeout, invalid answer), dropped (the
// worker's mirror queue was full) or not copied because its body was not whole in memory or was
// over the mirror's max_body_bytes.
enum class MirrorResult : std::uint8_t { sent, failed, dropped, skipped_body };
// Bytes read from and written to an upstream's targets (HTTP/1 heads, bodies and framing, HTTP/2
// frames, tunnelled bytes; before TLS), counted as each read or write completes.
enum class UpstreamBytes : std::uint8_t { received, sent };

enum class CountedPer : std::uint8_t { upstream, route };

struct FamilySpec {
  std::string_view metric;
  std::string_view help;
  CountedPer per;
  // The rest of each cell's label set (",result=\"retried\""), in the order of the cell enum.
  std::vector<std::string_view> cells;
  // Cells from this one on appear only once they count something.
  std::size_t shown_when_zero;
};

const FamilySpec& family_spec(Family family);

// The label name of an entity: "upstream" or "route".
std::string_view entity_label(CountedPer per);

}  // namespace apigw::observe
