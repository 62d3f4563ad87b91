// The one interface every traffic feature implements. A filter is built once per config snapshot
// from its validated config and keeps no per-request state: per-request data lives in the
// RequestContext. Phases are named as in docs/architecture.md: request filter, response filter.
#pragma once

#include <memory>
#include <vector>

#include "pipeline/request_context.h"

namespace apigw::pipeline {

enum class [[nodiscard]] Verdict{
    next,  // continue with the next filter
    stop,  // the filter set ctx.local_reply; answer it and skip the upstream
};

class Filter {
 public:
  virtual ~Filter() = default;
  // Request phase, in chain order, before the upstream is contacted.
  virtual Verdict on_request(RequestContext& ctx) const = 0;
  // Response phase, in reverse chain order, once the upstream's status is known and before the
  // response head is written to the client.
  virtual void on_response(RequestContext& /*ctx*/) const {}
};

// A route's filters in order. Runs the phases; built once per snapshot.
class FilterChain {
 public:
  FilterChain() = default;
  explicit FilterChain(std::vector<std::unique_ptr<const Filter>> filters)
      : filters_(std::move(filters)) {}

  bool empty() const { return filters_.empty(); }

  Verdict run_request_phase(RequestContext& ctx) const {
    for (const auto& filter : filters_) {
      if (filter->on_request(ctx) == Verdict::stop) return Verdict::stop;
    }
    return Verdict::next;
  }

  void run_response_phase(RequestContext& ctx) const {
    for (auto it = filters_.rbegin(); it != filters_.rend(); ++it) (*it)->on_response(ctx);
  }

 private:
  std::vector<std::unique_ptr<const Filter>> filters_;
};

}  // namespace apigw::pipeline
