// HTTP/2 attacks against the gateway (tests/support/h2_attacks.py, one connection each) and
// the bars they must meet (docs/http2.md, "Attack protections"): the abuse budget answers
// GOAWAY(ENHANCE_YOUR_CALM) well before nghttp2's own limits, few requests of an attack reach
// the upstream, memory does not grow, and other clients do not notice. What HAProxy, NGINX and
// nghttpd do with the same scripts is in tests/conformance/REFERENCE.md.
#include <gtest/gtest.h>

#include <cctype>
#include <future>

#include "support/gateway.h"
#include "support/h2_tools.h"
#include "support/recording_backend.h"

namespace apigw::test {
namespace {

using namespace std::chrono_literals;

constexpr double kEnhanceYourCalm = 0xb;

// /attack goes to a backend of its own, so that what an attack sends upstream can be counted
// apart from the normal client's requests.
class H2Attacks : public ::testing::Test {
 protected:
  RecordingBackend normal{"normal"};
  RecordingBackend attacked{"attacked"};
  TempDir dir;
  H2Listeners listeners{dir.path()};
  Gateway gateway{h2_gateway_config(listeners, normal.address(), "", R"(
[[routes]]
name = "attack"
match = { path_prefix = "/attack" }
upstream = "attacked"
[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "pool"
[[upstreams]]
name = "attacked"
targets = [{ address = ")" + attacked.address() + R"(" }]
)"),
                  rss_measuring_env()};

  // Runs one attack on the h2c listener against /attack; the result's backend_count is what
  // reached the attacked backend.
  boost::json::object attack(const std::string& name, std::vector<std::string> args = {}) {
    std::vector<std::string> argv = {name,
                                     "--port",
                                     std::to_string(gateway.port()),
                                     "--path",
                                     "/attack",
                                     "--max-seconds",
                                     "10",
                                     "--pid",
                                     std::to_string(gateway.process().pid()),
                                     "--count-file",
                                     attacked.state_dir() + "/requests.jsonl"};
    argv.insert(argv.end(), args.begin(), args.end());
    const JsonRun run = run_json_tool("tests/support/h2_attacks.py", argv, 40s);
    EXPECT_FALSE(run.json.empty()) << name << ": " << run.output;
    return run.json;
  }
};

std::string text(const boost::json::object& result) { return boost::json::serialize(result); }

// The gateway counted `count` connections closed for this abuse (its metrics name the budget
// that tripped, where the client only sees ENHANCE_YOUR_CALM).
void expect_goaways(const Gateway& gateway, const std::string& reason, int count) {
  EXPECT_TRUE(gateway.wait_for_metric("apigw_http2_goaways_total{reason=\"" + reason + "\"} " +
                                      std::to_string(count)))
      << gateway.metrics();
}

// h2load's summary: "requests: N total, N started, N done, N succeeded, N failed, N errored,
// ..." and "status codes: N 2xx, ...".
struct LoadSummary {
  int done = -1, succeeded = -1, failed = -1, errored = -1, status_2xx = -1;
};
// The number in front of `label` in `output` (-1 when absent).
int number_before(const std::string& output, const std::string& label) {
  const std::size_t at = output.find(label);
  if (at == std::string::npos) return -1;
  std::size_t start = at;
  while (start > 0 && std::isdigit(static_cast<unsigned char>(output[start - 1]))) --start;
  return start == at ? -1 : std::stoi(output.substr(start, at - start));
}
LoadSummary summary(const std::string& output) {
  return {number_before(output, " done,"), number_before(output, " succeeded,"),
          number_before(output, " failed,"), number_before(output, " errored,"),
          number_before(output, " 2xx")};
}

TEST_F(H2Attacks, RapidResetIsCutWithEnhanceYourCalmAndAnotherClientGoesOn) {
  // A normal client on its own connection for the whole time: 4 streams at a time, 4 s.
  auto load = std::async(std::launch::async, [&] {
    return run_command({"h2load", "-D", "4", "-c", "1", "-m", "4", gateway.url("/normal")}, 30s)
        .output;
  });
  std::this_thread::sleep_for(300ms);
  // Pipelined pairs (each stream opened and reset in one read: never reported), and pairs split
  // across reads (each batch of streams is reported, then reset): several connections each.
  for (const bool split : {false, true, false, true}) {
    std::vector<std::string> args = {"--requests", "10000", "--batch", "100"};
    if (split) args.insert(args.end(), {"--split-ms", "5"});
    const boost::json::object r = attack("rapid-reset", args);
    EXPECT_EQ(json_number(r, "goaway.error_code"), kEnhanceYourCalm) << text(r);
    EXPECT_LE(json_number(r, "goaway.resets_sent_before", 1e9), 1000) << text(r);
    EXPECT_LE(json_number(r, "backend_count.delta", 1e9), 100) << text(r);
    EXPECT_TRUE(r.at("connection_closed").as_bool()) << text(r);
  }
  const std::string output = load.get();
  const LoadSummary s = summary(output);
  EXPECT_GT(s.done, 100) << output;
  EXPECT_EQ(s.failed, 0) << output;
  EXPECT_EQ(s.errored, 0) << output;
  EXPECT_EQ(s.status_2xx, s.done) << output;
  EXPECT_TRUE(normal.violations().empty());
  EXPECT_TRUE(attacked.violations().empty());
  expect_goaways(gateway, "rapid_reset", 4);
  // The GOAWAYs are logged (one line per worker and second at most) and the resets counted.
  EXPECT_NE(gateway.log().find("closed with GOAWAY (rapid_reset)"), std::string::npos)
      << gateway.log();
  const std::string metrics = gateway.metrics();
  const std::size_t resets = metrics.find("\napigw_http2_stream_resets_total ");
  ASSERT_NE(resets, std::string::npos) << metrics;
  EXPECT_GT(std::stod(metrics.substr(resets + 34)), 0) << metrics;
}

TEST_F(H2Attacks, MadeYouResetCountsTheResetsTheClientProvokes) {
  // Each request followed by two WINDOW_UPDATEs that overflow its window: the gateway must
  // reset the stream (FLOW_CONTROL_ERROR), and each such reset is on the client's account.
  const boost::json::object r = attack("made-you-reset", {"--requests", "1000", "--batch", "10"});
  // The budget's GOAWAY(ENHANCE_YOUR_CALM) after 100 resets; or, when the gateway reads more
  // than 100 such requests before its resets have gone out (a busy machine), nghttp2's
  // GOAWAY(PROTOCOL_ERROR) for more than SETTINGS_MAX_CONCURRENT_STREAMS open streams.
  const double code = json_number(r, "goaway.error_code");
  EXPECT_TRUE(code == kEnhanceYourCalm || code == 0x1) << text(r);
  EXPECT_LE(json_number(r, "rst_received", 1e9), 100) << text(r);
  EXPECT_TRUE(r.at("connection_closed").as_bool()) << text(r);
}

TEST_F(H2Attacks, ContinuationFloodsAreClosedWithoutMemoryGrowth) {
  // Big: 16 KiB frames of valid fields, 8 per write (the block passes 64 KiB, 4 x
  // max_header_bytes, within a write). Tiny: 1-octet frames, 100 per write (the 9th
  // CONTINUATION trips the budget).
  const std::vector<std::string> big = {"--variant", "big", "--per-write", "8"};
  const std::vector<std::string> tiny = {"--variant", "tiny"};
  attack("continuation-flood", tiny);  // the first connection warms the allocator up
  const long before_kib = gateway.rss_kib();
  for (int round = 0; round < 3; ++round) {
    for (const auto& args : {big, tiny}) {
      const boost::json::object r = attack("continuation-flood", args);
      EXPECT_EQ(json_number(r, "goaway.error_code"), kEnhanceYourCalm) << text(r);
      EXPECT_TRUE(r.at("connection_closed").as_bool()) << text(r);
      EXPECT_EQ(json_number(r, "backend_count.delta"), 0) << text(r);
    }
  }
  EXPECT_LT(gateway.rss_kib() - before_kib, 1024) << "six floods";
  expect_goaways(gateway, "header_abuse", 3);  // big frames: the block passed 64 KiB
  expect_goaways(gateway, "continuation", 4);  // tiny ones: the 9th CONTINUATION
}

TEST_F(H2Attacks, HpackAndHeaderCountBombsAreResetThenTheConnectionIsClosed) {
  attack("header-count-bomb");  // the first connection warms the allocator up
  const long before_kib = gateway.rss_kib();
  for (int round = 0; round < 2; ++round) {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"hpack-bomb"},
          std::vector<std::string>{"header-count-bomb", "--encoding", "literal"},
          std::vector<std::string>{"header-count-bomb", "--encoding", "indexed"}}) {
      const boost::json::object r =
          attack(args[0], std::vector<std::string>(args.begin() + 1, args.end()));
      // 10 bombs (each 64 MB of fields decoded, or 10,000 fields): each stream reset, the 10th
      // closes the connection (its GOAWAY may overtake the last resets, which are then dropped).
      EXPECT_EQ(json_number(r, "goaway.error_code"), kEnhanceYourCalm) << text(r);
      EXPECT_LE(json_number(r, "goaway.requests_sent_before", 1e9), 10) << text(r);
      EXPECT_GE(json_number(r, "rst_codes.ENHANCE_YOUR_CALM", 0), 5) << text(r);
      EXPECT_EQ(json_number(r, "statuses.200", 0), 0) << text(r);
      EXPECT_EQ(json_number(r, "backend_count.delta"), 0) << text(r);
    }
  }
  EXPECT_LT(gateway.rss_kib() - before_kib, 1024) << "six connections of ten bombs";
  // Over the header-count limit but not twice it: an answer (431), and the connection stays.
  const boost::json::object mild =
      attack("header-count-bomb", {"--count", "150", "--streams", "3"});
  EXPECT_EQ(json_number(mild, "statuses.431", 0), 3) << text(mild);
  EXPECT_TRUE(mild.at("goaway").is_null()) << text(mild);
  EXPECT_EQ(json_number(mild, "backend_count.delta"), 0) << text(mild);
  expect_goaways(gateway, "header_abuse", 7);
}

TEST_F(H2Attacks, SettingsAndPingFloodsAreCutReadingOrNot) {
  for (const std::string flood : {"settings-flood", "ping-flood"}) {
    for (const bool reading : {true, false}) {
      std::vector<std::string> args = {"--count", "100000"};
      if (!reading) args.push_back("--no-read");
      const boost::json::object r = attack(flood, args);
      const std::string what = flood + (reading ? "" : " --no-read") + ": " + text(r);
      EXPECT_EQ(json_number(r, "goaway.error_code"), kEnhanceYourCalm) << what;
      EXPECT_TRUE(r.at("connection_closed").as_bool()) << what;
      // The 1,000th control frame in a burst trips the budget (the H2Abuse unit tests count
      // exactly). The script writes 100 frames at a time and reads between writes without
      // waiting, so on loopback's large socket buffers it sees the GOAWAY thousands of frames
      // later (an unread client only at the end): what it wrote is no measure of what was
      // taken. The metrics below say which budget tripped.
      EXPECT_LE(json_number(r, "elapsed_s", 1e9), 5) << what;
    }
  }
  expect_goaways(gateway, "control_flood", 4);
}

TEST_F(H2Attacks, EmptyDataFloodsAreCut) {
  for (const bool padded : {false, true}) {
    std::vector<std::string> args = {"--count", "100000"};
    if (padded) args.insert(args.end(), {"--padded", "--pad", "16"});
    const boost::json::object r = attack("empty-data-flood", args);
    EXPECT_EQ(json_number(r, "goaway.error_code"), kEnhanceYourCalm) << text(r);
    // 64 empty frames per connection trip the budget (the H2Abuse unit tests count exactly);
    // all of them may be in the socket buffers before the script reads the GOAWAY.
  }
  expect_goaways(gateway, "empty_data", 2);
}

}  // namespace
}  // namespace apigw::test
