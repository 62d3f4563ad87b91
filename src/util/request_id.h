// Request ids for X-Request-Id: 32 lower-case hex characters of 128 random bits from the caller's
// generator (a worker's), so making one costs a few nanoseconds and no lock. The bits are kept
// too: a trace the gateway starts for the request takes them as its trace id (one id to search
// for in logs and traces, and no second random number).
#pragma once

#include <array>
#include <cstdint>

#include "util/fast_random.h"

namespace apigw::util {

using RequestIdText = std::array<char, 32>;
using RequestIdBits = std::array<std::uint8_t, 16>;

// Fills `bits` with fresh random bits (never all zero, as a W3C trace id must not be) and `out`
// with their hex.
void make_request_id(RequestIdText& out, RequestIdBits& bits, FastRandom& random);

}  // namespace apigw::util
