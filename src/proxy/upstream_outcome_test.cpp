#include "proxy/upstream_outcome.h"

#include <gtest/gtest.h>

namespace apigw::proxy {
namespace {

TEST(UpstreamOutcome, TableIsInEnumOrder) {
  EXPECT_EQ(describe(UpstreamOutcome::connect_failed).code, "upstream_connect_failed");
  EXPECT_EQ(describe(UpstreamOutcome::circuit_open).code, "circuit_open");
  EXPECT_EQ(describe(UpstreamOutcome::client_timeout).status, 408);
  EXPECT_EQ(describe(UpstreamOutcome::client_gone).status, 0);
}

TEST(UpstreamOutcome, TargetFailuresAreUpstreamFailuresButNotTheOtherWayRound) {
  for (auto outcome :
       {UpstreamOutcome::connect_failed, UpstreamOutcome::connect_timeout, UpstreamOutcome::reset,
        UpstreamOutcome::response_timeout, UpstreamOutcome::invalid_response}) {
    EXPECT_TRUE(describe(outcome).target_failed);
    EXPECT_TRUE(describe(outcome).upstream_failed);
  }
  EXPECT_FALSE(describe(UpstreamOutcome::no_target).target_failed);
  EXPECT_TRUE(describe(UpstreamOutcome::no_target).upstream_failed);
  EXPECT_FALSE(describe(UpstreamOutcome::client_gone).upstream_failed);
  EXPECT_TRUE(describe(UpstreamOutcome::request_too_large).client_side);
}

TEST(UpstreamOutcome, MessageNamesTheUpstream) {
  EXPECT_EQ(outcome_message(describe(UpstreamOutcome::reset), "users"),
            "upstream 'users' closed the connection");
  EXPECT_EQ(outcome_message(describe(UpstreamOutcome::invalid_body), "users"),
            "the chunked request body is malformed");
}

}  // namespace
}  // namespace apigw::proxy
