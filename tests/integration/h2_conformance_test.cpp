// HTTP/2 conformance: the 146 cases of h2spec 2.6.0 (tests/conformance/h2spec_cases.py, with
// h2spec's own acceptance semantics) against the gateway, over h2c with prior knowledge and over
// TLS with ALPN h2. Every case must pass; a failure prints the case and what the gateway did.
// For comparison (tests/conformance/REFERENCE.md): HAProxy 2.6 and nghttpd pass 145, NGINX 118.
#include <gtest/gtest.h>

#include "support/gateway.h"
#include "support/h2_tools.h"

namespace apigw::test {
namespace {

constexpr int kCases = 146;

// The cases that did not pass, one per line with the reason, for the failure message.
std::string failures(const boost::json::object& report) {
  std::string text;
  const auto found = report.find("results");
  if (found == report.end() || !found->value().is_array()) return "no results\n";
  for (const boost::json::value& result : found->value().as_array()) {
    const boost::json::object& r = result.as_object();
    if (json_text(r, "status") == "PASS") continue;
    text += json_text(r, "status") + " " + json_text(r, "id") + " " + json_text(r, "title") + ": " +
            json_text(r, "reason") + "\n";
  }
  return text;
}

void expect_every_case_passes(const std::vector<std::string>& target) {
  std::vector<std::string> args = target;
  args.push_back("--json");
  const JsonRun run = run_json_tool("tests/conformance/h2spec_cases.py", args);
  ASSERT_FALSE(run.json.empty()) << run.output;
  EXPECT_EQ(json_number(run.json, "total"), kCases);
  EXPECT_EQ(json_number(run.json, "passed"), kCases) << failures(run.json);
  EXPECT_EQ(run.exit_code, 0) << failures(run.json);
}

class H2Conformance : public ::testing::Test {
 protected:
  // The echo backend answers every case's GET and POST with 200 and a body of a few hundred
  // bytes (the flow-control cases need at least 5).
  EchoBackend backend{"echo"};
  TempDir dir;
  H2Listeners listeners{dir.path()};
  Gateway gateway{h2_gateway_config(listeners, backend.address())};
};

TEST_F(H2Conformance, H2cPassesEveryH2specCase) {
  expect_every_case_passes({"--port", std::to_string(gateway.port())});
}

TEST_F(H2Conformance, TlsPassesEveryH2specCase) {
  expect_every_case_passes({"--port", std::to_string(listeners.tls_port), "--tls", "--cafile",
                            listeners.certificates.ca_file, "--server-name", "localhost"});
}

}  // namespace
}  // namespace apigw::test
