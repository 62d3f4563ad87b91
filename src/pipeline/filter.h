// The one interface every traffic feature implements. A filter is built once per config snapshot
// from its validated config and keeps no per-request state: per-request data lives in the
// RequestContext. Phases are named as in docs/architecture.md: request filter, response filter.
//
// A phase finishes synchronously (a virtual call, no coroutine frame, no allocation) unless the
// filter has to wait on I/O: then its on_request returns Verdict::suspend and the server awaits
// its AsyncFilter::resume_request (pipeline/async.h) before the chain goes on.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "pipeline/request_context.h"

namespace apigw::pipeline {

enum class [[nodiscard]] Verdict : std::uint8_t{
    next,     // continue with the next filter
    stop,     // the filter set ctx.local_reply; answer it and skip the upstream
    suspend,  // the filter waits on I/O: await its resume_request, then go on
};

class AsyncFilter;

// Which bodies a filter wants whole, decided when it is built. A route whose filters want none
// keeps zero-copy streaming both ways.
struct BodyNeeds {
  bool request = false;   // on_request_body sees the whole request body
  bool response = false;  // on_response_body sees the whole response body
};

class Filter {
 public:
  virtual ~Filter() = default;
  // Request phase, in chain order, before the upstream is contacted.
  virtual Verdict on_request(RequestContext& ctx) const = 0;
  // Response phase, in reverse chain order, once the status of the answer is known and before
  // its head is written — for every answer: the upstream's, a handler's, or the gateway's own
  // (404, 401 from another filter, 413, 5xx, fallbacks). ctx.upstream_response is null for the
  // gateway's answers, and the request phase may not have run (or run only partly) for them.
  virtual void on_response(RequestContext& /*ctx*/) const {}
  // Filters that may return Verdict::suspend are AsyncFilters (pipeline/async.h).
  virtual const AsyncFilter* as_async() const { return nullptr; }

  virtual BodyNeeds body_needs() const { return {}; }
  // Request body phase, in chain order, after the request phase, once the whole body is in
  // ctx.request_body (at most the route's max_buffered_body_bytes, else 413). The filter may change
  // it; the framing sent upstream follows (Content-Length of what is sent). next or stop.
  virtual Verdict on_request_body(RequestContext& /*ctx*/) const { return Verdict::next; }
  // Response body phase, in reverse chain order, after the response phase, with the whole body
  // of the upstream's response in ctx.response_body (at most the route's
  // max_buffered_body_bytes, else 502). The filter may change it.
  virtual void on_response_body(RequestContext& /*ctx*/) const {}
};

// Where a phase stopped: the verdict, and the index of the filter that gave it.
struct PhaseStep {
  Verdict verdict = Verdict::next;
  std::size_t index = 0;
};

// A route's filters in order. Runs the phases; built once per snapshot.
class FilterChain {
 public:
  FilterChain() = default;
  explicit FilterChain(std::vector<std::unique_ptr<const Filter>> filters)
      : filters_(std::move(filters)) {
    for (const auto& filter : filters_) {
      const BodyNeeds needs = filter->body_needs();
      body_needs_.request = body_needs_.request || needs.request;
      body_needs_.response = body_needs_.response || needs.response;
    }
  }

  bool empty() const { return filters_.empty(); }
  std::size_t size() const { return filters_.size(); }
  const Filter& at(std::size_t index) const { return *filters_[index]; }
  // Whether some filter wants a body whole.
  const BodyNeeds& body_needs() const { return body_needs_; }

  // Runs the request phase from filter `from` on until a filter stops or suspends it. After a
  // suspension the server awaits that filter and, on next, calls this again from index + 1.
  PhaseStep run_request_phase(RequestContext& ctx, std::size_t from = 0) const {
    for (std::size_t i = from; i < filters_.size(); ++i) {
      const Verdict verdict = filters_[i]->on_request(ctx);
      if (verdict != Verdict::next) return {verdict, i};
    }
    return {Verdict::next, filters_.size()};
  }

  void run_response_phase(RequestContext& ctx) const {
    for (auto it = filters_.rbegin(); it != filters_.rend(); ++it) (*it)->on_response(ctx);
  }

  Verdict run_request_body_phase(RequestContext& ctx) const {
    for (const auto& filter : filters_) {
      if (filter->on_request_body(ctx) != Verdict::next) return Verdict::stop;
    }
    return Verdict::next;
  }

  void run_response_body_phase(RequestContext& ctx) const {
    for (auto it = filters_.rbegin(); it != filters_.rend(); ++it) (*it)->on_response_body(ctx);
  }

 private:
  std::vector<std::unique_ptr<const Filter>> filters_;
  BodyNeeds body_needs_;
};

}  // namespace apigw::pipeline
