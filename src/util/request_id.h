// Request ids for X-Request-Id: 32 lower-case hex characters from a per-thread generator, so
// making one costs a few nanoseconds and no lock.
#pragma once

#include <array>

namespace apigw::util {

using RequestIdText = std::array<char, 32>;

// Fills `out` with a fresh random id. Thread-safe (one generator per thread).
void make_request_id(RequestIdText& out);

}  // namespace apigw::util
