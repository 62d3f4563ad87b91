#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline/filter.h"
#include "pipeline/test_context.h"

namespace apigw::pipeline {
namespace {

// A filter that writes "<name>.<phase>" to a shared trace for each phase it runs, and gives the
// verdicts it was built with.
class TracingFilter final : public Filter {
 public:
  TracingFilter(std::string name, std::vector<std::string>& trace,
                Verdict on_request_verdict = Verdict::next, BodyNeeds needs = {},
                Verdict on_body_verdict = Verdict::next)
      : name_(std::move(name)),
        trace_(trace),
        request_verdict_(on_request_verdict),
        needs_(needs),
        body_verdict_(on_body_verdict) {}

  Verdict on_request(RequestContext& ctx) const override {
    trace_.push_back(name_ + ".request");
    if (request_verdict_ == Verdict::stop) {
      ctx.local_reply = LocalReply::error(401, "unauthorized", "by " + name_);
    }
    return request_verdict_;
  }
  void on_response(RequestContext&) const override { trace_.push_back(name_ + ".response"); }
  BodyNeeds body_needs() const override { return needs_; }
  Verdict on_request_body(RequestContext&) const override {
    trace_.push_back(name_ + ".request_body");
    return body_verdict_;
  }
  void on_response_body(RequestContext&) const override {
    trace_.push_back(name_ + ".response_body");
  }

 private:
  std::string name_;
  std::vector<std::string>& trace_;
  Verdict request_verdict_;
  BodyNeeds needs_;
  Verdict body_verdict_;
};

class FilterChainTest : public ::testing::Test {
 protected:
  // A chain of the given filters, in order.
  template <typename... Filters>
  FilterChain chain(Filters&&... filters) {
    std::vector<std::unique_ptr<const Filter>> list;
    (list.push_back(std::forward<Filters>(filters)), ...);
    return FilterChain(std::move(list));
  }
  // A TracingFilter writing to `trace`.
  std::unique_ptr<const Filter> filter(std::string name, Verdict verdict = Verdict::next,
                                       BodyNeeds needs = {}, Verdict body = Verdict::next) {
    return std::make_unique<TracingFilter>(std::move(name), trace, verdict, needs, body);
  }

  http::RequestHead head;
  RequestContext ctx = testing::context_for(head);
  std::vector<std::string> trace;
};

TEST_F(FilterChainTest, RequestPhaseRunsInOrderAndResponsePhaseInReverse) {
  const FilterChain filters = chain(filter("a"), filter("b"), filter("c"));
  const PhaseStep step = filters.run_request_phase(ctx);
  EXPECT_EQ(step.verdict, Verdict::next);
  EXPECT_EQ(step.index, 3u) << "next: the index is one past the last filter";
  filters.run_response_phase(ctx);
  EXPECT_EQ(trace, (std::vector<std::string>{"a.request", "b.request", "c.request", "c.response",
                                             "b.response", "a.response"}));
}

TEST_F(FilterChainTest, AStopEndsTheRequestPhaseAtThatFilter) {
  const FilterChain filters = chain(filter("a"), filter("auth", Verdict::stop), filter("c"));
  const PhaseStep step = filters.run_request_phase(ctx);
  EXPECT_EQ(step.verdict, Verdict::stop);
  EXPECT_EQ(step.index, 1u);
  ASSERT_TRUE(ctx.local_reply);
  EXPECT_EQ(ctx.local_reply->status, 401);
  EXPECT_EQ(trace, (std::vector<std::string>{"a.request", "auth.request"}));
  // The answer (the stopping filter's own) still passes every filter's response phase.
  trace.clear();
  filters.run_response_phase(ctx);
  EXPECT_EQ(trace, (std::vector<std::string>{"c.response", "auth.response", "a.response"}));
}

TEST_F(FilterChainTest, ASuspendedPhaseGoesOnAfterTheSuspendingFilter) {
  const FilterChain filters = chain(filter("a"), filter("wait", Verdict::suspend), filter("c"));
  const PhaseStep suspended = filters.run_request_phase(ctx);
  EXPECT_EQ(suspended.verdict, Verdict::suspend);
  EXPECT_EQ(suspended.index, 1u);
  EXPECT_EQ(trace, (std::vector<std::string>{"a.request", "wait.request"}));
  // The server resumes the suspended filter itself, then the chain from the one after it.
  const PhaseStep finished = filters.run_request_phase(ctx, suspended.index + 1);
  EXPECT_EQ(finished.verdict, Verdict::next);
  EXPECT_EQ(finished.index, 3u);
  EXPECT_EQ(trace, (std::vector<std::string>{"a.request", "wait.request", "c.request"}));
}

TEST_F(FilterChainTest, BodyNeedsAreWhatAnyFilterWants) {
  EXPECT_FALSE(chain(filter("a"), filter("b")).body_needs().request);
  EXPECT_FALSE(chain(filter("a"), filter("b")).body_needs().response);
  const FilterChain mixed = chain(filter("req", Verdict::next, {.request = true}),
                                  filter("resp", Verdict::next, {.response = true}));
  EXPECT_TRUE(mixed.body_needs().request);
  EXPECT_TRUE(mixed.body_needs().response);
  const FilterChain one = chain(filter("a"), filter("resp", Verdict::next, {.response = true}));
  EXPECT_FALSE(one.body_needs().request) << "streaming stays on for the other direction";
  EXPECT_TRUE(one.body_needs().response);
}

TEST_F(FilterChainTest, BodyPhasesRunInChainOrderThenReverseAndStopAtARefusal) {
  const FilterChain filters =
      chain(filter("a"), filter("limit", Verdict::next, {}, Verdict::stop), filter("c"));
  EXPECT_EQ(filters.run_request_body_phase(ctx), Verdict::stop);
  EXPECT_EQ(trace, (std::vector<std::string>{"a.request_body", "limit.request_body"}));
  trace.clear();
  filters.run_response_body_phase(ctx);
  EXPECT_EQ(trace, (std::vector<std::string>{"c.response_body", "limit.response_body",
                                             "a.response_body"}));
}

TEST_F(FilterChainTest, AnEmptyChainLetsEverythingThrough) {
  const FilterChain filters;
  EXPECT_TRUE(filters.empty());
  const PhaseStep step = filters.run_request_phase(ctx);
  EXPECT_EQ(step.verdict, Verdict::next);
  EXPECT_EQ(step.index, 0u);
  EXPECT_EQ(filters.run_request_body_phase(ctx), Verdict::next);
  filters.run_response_phase(ctx);
  EXPECT_FALSE(ctx.local_reply);
}

}  // namespace
}  // namespace apigw::pipeline
