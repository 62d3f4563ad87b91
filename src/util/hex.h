// Lower-case hex of bytes, sixteen at a time with SSE2: request ids and trace ids are written for
// every request, and a loop over bytes cost ten instructions a byte.
#pragma once

#include <cstddef>
#include <cstdint>

namespace apigw::util {

// Writes 2 * size characters at `out`.
void write_hex(const std::uint8_t* in, std::size_t size, char* out);

}  // namespace apigw::util
