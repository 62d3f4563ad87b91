// A streamed change of a message body (compression): fed the body chunk by chunk as it arrives,
// it appends what it has ready to `out`. Made per response by a filter's response phase, only for
// responses it changes, so routes without such filters keep zero-copy streaming.
#pragma once

#include <string>
#include <string_view>

namespace apigw::pipeline {

class BodyTransform {
 public:
  virtual ~BodyTransform() = default;
  // One chunk of the body as it arrived; what is ready goes out with it (so a streamed response,
  // server-sent events say, reaches the client chunk by chunk).
  virtual void write(std::string_view chunk, std::string& out) = 0;
  // The body ended: the rest.
  virtual void finish(std::string& out) = 0;
};

}  // namespace apigw::pipeline
