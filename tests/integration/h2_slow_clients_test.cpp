// Slow HTTP/2 clients are bounded by [server.timeouts] (docs/http2.md, "Attack protections";
// docs/reliability.md, "Slow and hostile clients"): a client that keeps its flow-control windows
// shut, one that never reads, and one that trickles the connection preface each hold a
// connection only as long as a timeout allows. Timeouts here are short and distinct, so that
// each bound names the timeout that ended the connection.
#include <gtest/gtest.h>

#include "support/gateway.h"
#include "support/h2_tools.h"

namespace apigw::test {
namespace {

using namespace std::chrono_literals;

constexpr double kHeaderRead = 2, kBodyRead = 3, kIdle = 4;
// Scheduling under the sanitizers and a second test beside this one.
constexpr double kSlack = 1.5;

class H2SlowClients : public ::testing::Test {
 protected:
  EchoBackend backend{"echo"};
  TempDir dir;
  H2Listeners listeners{dir.path()};
  Gateway gateway{h2_gateway_config(listeners, backend.address(), R"(
[server.timeouts]
header_read = "2s"
body_read = "3s"
idle = "4s"
)")};

  boost::json::object attack(const std::string& name, std::vector<std::string> args,
                             bool tls = false) {
    std::vector<std::string> argv = {name, "--max-seconds", "15"};
    if (tls) {
      argv.insert(argv.end(), {"--port", std::to_string(listeners.tls_port), "--tls", "--cafile",
                               listeners.certificates.ca_file, "--server-name", "localhost"});
    } else {
      argv.insert(argv.end(), {"--port", std::to_string(gateway.port())});
    }
    argv.insert(argv.end(), args.begin(), args.end());
    const JsonRun run = run_json_tool("tests/support/h2_attacks.py", argv, 40s);
    EXPECT_FALSE(run.json.empty()) << name << ": " << run.output;
    return run.json;
  }
};

std::string text(const boost::json::object& result) { return boost::json::serialize(result); }

TEST_F(H2SlowClients, ShutWindowsAreClosedAtBodyRead) {
  // SETTINGS_INITIAL_WINDOW_SIZE 0 and no WINDOW_UPDATE: the answers (a few hundred bytes) wait
  // in the send queues, every request is done, and only the client's windows hold the rest.
  const boost::json::object r = attack("slow-read", {"--mode", "window0", "--streams", "10"});
  EXPECT_EQ(json_number(r, "statuses.200", 0), 10) << text(r);
  EXPECT_TRUE(r.at("connection_closed").as_bool()) << text(r);
  EXPECT_GE(json_number(r, "closed_at_s", 1e9), kBodyRead - 0.5) << text(r);
  EXPECT_LE(json_number(r, "closed_at_s", 1e9), kBodyRead + kSlack) << text(r);
}

TEST_F(H2SlowClients, ShutWindowsOnLargeAnswersAreCutAtBodyReadThenIdle) {
  // Answers larger than a send queue keep their streams writing: each stream is reset at
  // body_read, then the connection, with nothing left, closes at idle.
  const boost::json::object r =
      attack("slow-read", {"--mode", "window0", "--streams", "10", "--path", "/bytes/1048576"});
  EXPECT_EQ(json_number(r, "rst_codes.CANCEL", 0), 10) << text(r);
  EXPECT_TRUE(r.at("connection_closed").as_bool()) << text(r);
  EXPECT_LE(json_number(r, "closed_at_s", 1e9), kBodyRead + kIdle + kSlack) << text(r);
}

TEST_F(H2SlowClients, ClientThatNeverReadsIsClosedAtIdleOnceItsAnswersAreOut) {
  // Small answers fit the socket buffers: every stream ends, then the connection is idle.
  const boost::json::object r = attack("slow-read", {"--mode", "no-read", "--streams", "10"});
  EXPECT_TRUE(r.at("connection_closed").as_bool()) << text(r);
  EXPECT_GE(json_number(r, "closed_at_s", 1e9), kIdle - 0.5) << text(r);
  EXPECT_LE(json_number(r, "closed_at_s", 1e9), kIdle + kSlack) << text(r);
}

TEST_F(H2SlowClients, ClientThatNeverReadsLargeAnswersIsResetAtBodyReadThenIdle) {
  // 10 MiB of answers against a 4 KiB receive buffer: the streams are cut at body_read, the
  // connection at idle, with a reset (the bytes the client never took are dropped).
  const boost::json::object r =
      attack("slow-read", {"--mode", "no-read", "--streams", "10", "--path", "/bytes/1048576"});
  EXPECT_TRUE(r.at("connection_closed").as_bool()) << text(r);
  EXPECT_LE(json_number(r, "closed_at_s", 1e9), kBodyRead + kIdle + kSlack) << text(r);
}

TEST_F(H2SlowClients, SlowPrefaceIsClosedAtHeaderRead) {
  // One octet every 0.5 s: the preface and SETTINGS (39 octets) would take 20 s.
  for (const bool tls : {false, true}) {
    const boost::json::object r = attack("slow-preface", {"--interval", "0.5"}, tls);
    EXPECT_TRUE(r.at("connection_closed").as_bool()) << tls << text(r);
    EXPECT_LE(json_number(r, "closed_at_s", 1e9), kHeaderRead + kSlack) << tls << text(r);
    EXPECT_LT(json_number(r, "octets_sent", 1e9), 10) << tls << text(r);
  }
}

TEST_F(H2SlowClients, ConnectionIsClosedAtIdleAfterItsLastStream) {
  // One request, answered and read in full, then silence: GOAWAY(NO_ERROR) at idle.
  const JsonRun run = run_json_tool(
      "tests/support/h2_request.py",
      {"--port", std::to_string(gateway.port()), "--field", ":method", "GET", "--field", ":scheme",
       "http", "--field", ":path", "/", "--field", ":authority", "127.0.0.1", "--linger", "10"},
      30s);
  const boost::json::object& r = run.json;
  EXPECT_EQ(json_number(r, "status"), 200) << run.output;
  EXPECT_EQ(json_text(r, "goaway"), "NO_ERROR") << run.output;
  EXPECT_GE(json_number(r, "closed_after_s", 1e9), kIdle - 0.5) << run.output;
  EXPECT_LE(json_number(r, "closed_after_s", 1e9), kIdle + kSlack) << run.output;
}

}  // namespace
}  // namespace apigw::test
