#include "http/body_framing.h"

#include <algorithm>

namespace apigw::http {

BodyFramer::Step BodyFramer::next(std::string_view available, std::string* payload) {
  switch (framing_) {
    case BodyFraming::none:
      done_ = true;
      return {};
    case BodyFraming::content_length: {
      const std::size_t part = std::min<std::uint64_t>(available.size(), remaining_);
      if (payload != nullptr) payload->append(available.data(), part);
      remaining_ -= part;
      done_ = remaining_ == 0;
      return {part, false};
    }
    case BodyFraming::chunked: {
      const auto step = chunks_.scan(available, payload);
      done_ = step.done;
      return {step.consumed, step.error};
    }
    case BodyFraming::until_close:
    case BodyFraming::stream_end:  // the end is the stream's, which the caller sees
      if (payload != nullptr) payload->append(available);
      return {available.size(), false};
  }
  return {};
}

}  // namespace apigw::http
