// The TLS handshake failure counters are indexed by tls::HandshakeFailure and labelled by
// observe::kTlsFailureReasons: the two lists must name the same reasons in the same order.
#include <gtest/gtest.h>

#include "observe/tls_metrics.h"
#include "tls/connection_facts.h"

namespace apigw::server {
namespace {

TEST(TlsFailureLabels, MatchTheHandshakeFailureReasonsInOrder) {
  for (std::size_t i = 0; i < observe::kTlsFailureReasons.size(); ++i) {
    EXPECT_EQ(tls::to_string(static_cast<tls::HandshakeFailure>(i)), observe::kTlsFailureReasons[i])
        << i;
  }
}

}  // namespace
}  // namespace apigw::server
