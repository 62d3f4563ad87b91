// The operational log as an operator reads it: each failed upstream try named with its target
// and reason, in the format and from the level configured; and the access log let go on SIGUSR1,
// as logrotate does it.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>

#include "support/gateway.h"

namespace apigw::test {
namespace {

namespace json = boost::json;

std::string config_with(const std::string& targets, const std::string& server_extra) {
  return fill(R"(
[server]
listen = ["127.0.0.1:{port}"]
workers = 1
{server_extra}
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "backend"
targets = [{targets}]
[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "backend"
)",
              {{"targets", targets}, {"server_extra", server_extra}});
}

std::vector<json::object> json_lines(const std::string& log) {
  std::vector<json::object> lines;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line.front() != '{') continue;
    boost::system::error_code ec;
    const json::value value = json::parse(line, ec);
    if (!ec && value.is_object()) lines.push_back(value.as_object());
  }
  return lines;
}

TEST(Logs, AFailedTryIsOneLineNamingTheTargetAndTheReason) {
  EchoBackend backend;
  const std::string dead = dead_address();
  Gateway gateway(config_with("{ address = \"" + dead + "\" }, { address = \"" + backend.address() +
                                  "\" }",
                              "[server.error_log]\nformat = \"json\""));
  // Round robin: one of the two requests meets the dead target first, then fails over.
  for (int i = 0; i < 2; ++i) ASSERT_EQ(get_in_process(gateway.port(), "/x").status, 200);
  std::vector<json::object> failures;
  wait_until([&] {
    failures.clear();
    for (const auto& line : json_lines(gateway.log())) {
      if (line.at("msg") == "upstream try failed") failures.push_back(line);
    }
    return !failures.empty();
  });
  ASSERT_EQ(failures.size(), 1u) << gateway.log();
  const json::object& failure = failures[0];
  EXPECT_EQ(failure.at("level"), "warn");
  EXPECT_EQ(failure.at("upstream"), "backend");
  EXPECT_EQ(failure.at("target"), dead.c_str());
  EXPECT_EQ(failure.at("error"), "upstream_connect_failed");
  EXPECT_EQ(failure.at("route"), "all");
  EXPECT_EQ(failure.at("try"), "1");
  EXPECT_EQ(failure.at("request_id").as_string().size(), 32u);
  EXPECT_TRUE(failure.contains("time"));
  // Every line of the log is JSON, the start-up line included.
  bool started = false;
  for (const auto& line : json_lines(gateway.log())) {
    started = started || line.at("msg").as_string().starts_with("apigw listening on");
  }
  EXPECT_TRUE(started) << gateway.log();
}

TEST(Logs, LinesBelowTheLevelAreNotWritten) {
  const std::string dead = dead_address();
  Gateway gateway(config_with("{ address = \"" + dead + "\" }",
                              "[server.error_log]\nlevel = \"error\"\nformat = \"logfmt\""));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(get_in_process(gateway.port(), "/x").status, 502);
  gateway.write_config(config_with("{ address = \"" + dead + "\" }",
                                   "[server.error_log]\nformat = \"logfmt\""));
  gateway.process().signal(SIGHUP);
  ASSERT_TRUE(gateway.wait_for_metric("apigw_config_version 2"));
  EXPECT_EQ(gateway.log().find("upstream try failed"), std::string::npos)
      << "warn lines are below level error:\n"
      << gateway.log();
  // The reload brought the level back to info: the next failure is logged, as logfmt.
  EXPECT_EQ(get_in_process(gateway.port(), "/x").status, 502);
  EXPECT_TRUE(wait_until([&] {
    return gateway.log().find("level=warn msg=\"upstream try failed\" upstream=backend target=" +
                              dead + " error=upstream_connect_failed") != std::string::npos;
  })) << gateway.log();
}

TEST(Logs, TheCommandLineSetsTheFormatBeforeTheConfigIsRead) {
  TempDir dir;
  const int port = free_port();
  const int admin_port = free_port();
  const std::string path = dir.write(
      "apigw.toml", "[server]\nlisten = [\"127.0.0.1:" + std::to_string(port) +
                        "\"]\n[server.error_log]\nformat = \"json\"\n[admin]\nlisten = \"127.0.0.1:" +
                        std::to_string(admin_port) + "\"\n");
  Process run({APIGW_BINARY, "run", "-c", path, "--log-format", "logfmt", "--log-level", "info"},
              dir.path() + "/log");
  EXPECT_TRUE(wait_until([&] {
    return run.log().find("level=info msg=\"apigw listening on") != std::string::npos;
  })) << run.log();
  run.signal(SIGTERM);
  EXPECT_EQ(run.wait(std::chrono::seconds(20)), 0);
  EXPECT_EQ(run.log().find("{\"time\""), std::string::npos) << "the config's json lost";
  EXPECT_EQ(run_command({APIGW_BINARY, "run", "-c", path, "--log-format", "xml"}).exit_code, 2);
}

TEST(Logs, Sigusr1ReopensTheAccessLogForLogrotate) {
  EchoBackend backend;
  TempDir dir;
  const std::string log_path = dir.path() + "/access.log";
  Gateway gateway(config_with("{ address = \"" + backend.address() + "\" }",
                              "[server.access_log]\nenabled = true\npath = \"" + log_path + "\""));
  const auto contents = [](const std::string& file) {
    std::ifstream in(file);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  ASSERT_EQ(http_get(gateway.port(), "/before").status, 200);
  ASSERT_TRUE(wait_until([&] { return contents(log_path).find("/before") != std::string::npos; }));
  ASSERT_EQ(std::rename(log_path.c_str(), (log_path + ".1").c_str()), 0);
  gateway.process().signal(SIGUSR1);
  ASSERT_TRUE(wait_until([&] {
    return gateway.log().find("access log reopened") != std::string::npos;
  })) << gateway.log();
  ASSERT_EQ(http_get(gateway.port(), "/after").status, 200);
  ASSERT_TRUE(wait_until([&] { return contents(log_path).find("/after") != std::string::npos; }))
      << contents(log_path);
  EXPECT_EQ(contents(log_path).find("/before"), std::string::npos);
  EXPECT_NE(contents(log_path + ".1").find("/before"), std::string::npos);
  EXPECT_EQ(contents(log_path + ".1").find("/after"), std::string::npos);
}

}  // namespace
}  // namespace apigw::test
