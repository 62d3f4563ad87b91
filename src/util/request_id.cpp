#include "util/request_id.h"

#include <cstring>

#include "util/hex.h"

namespace apigw::util {

void make_request_id(RequestIdText& out, RequestIdBits& bits, FastRandom& random) {
  const std::uint64_t high = random.next();
  std::uint64_t low = random.next();
  if ((high | low) == 0) low = 1;  // one chance in 2^128
  std::memcpy(bits.data(), &high, 8);
  std::memcpy(bits.data() + 8, &low, 8);
  write_hex(bits.data(), bits.size(), out.data());
}

}  // namespace apigw::util
