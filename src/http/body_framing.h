// Walks a message body through its framing as its bytes arrive: how many of the bytes at hand
// belong to the body, and whether it is complete. The proxy relays those bytes as they are; a
// body transform asks for the payload without the chunk framing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/message.h"
#include "http/parser.h"

namespace apigw::http {

class BodyFramer {
 public:
  BodyFramer(BodyFraming framing, std::uint64_t content_length)
      : framing_(framing), remaining_(content_length) {}

  struct Step {
    std::size_t consumed = 0;  // bytes of `available` that belong to the body
    bool error = false;        // broken chunked framing: stop and close
  };
  // `payload`, when given, receives the body bytes without chunk framing.
  Step next(std::string_view available, std::string* payload = nullptr);
  // The last byte of the body has been seen (never for a body delimited by the close).
  bool done() const { return done_; }

 private:
  BodyFraming framing_;
  std::uint64_t remaining_;
  ChunkedScanner chunks_;
  bool done_ = false;
};

}  // namespace apigw::http
