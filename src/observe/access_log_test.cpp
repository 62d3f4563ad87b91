// The JSON-lines access log: line format and escaping, the bounded per-worker queue that drops
// instead of blocking, and the writer thread that drains the queues into the file.
#include "observe/access_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace apigw::observe {
namespace {

AccessLogEntry sample_entry() {
  AccessLogEntry entry;
  entry.unix_micros = 1'700'000'000'123'456;  // 2023-11-14T22:13:20.123456Z
  entry.request_id = "rid-1";
  entry.client = "10.0.0.1";
  entry.method = "GET";
  entry.path = "/users";
  entry.query = "id=7";
  entry.host = "api.example.com";
  entry.user_agent = "curl/7.88.1";
  entry.protocol_version = "1.1";
  entry.status = 200;
  entry.bytes_in = 120;
  entry.bytes_out = 3456;
  entry.duration_micros = 1500;
  entry.upstream_address = "127.0.0.1:9001";
  entry.upstream_name = "users-v2";
  entry.upstream_micros = 1200;
  entry.tries = 1;
  entry.route = "users";
  return entry;
}

std::string format(const AccessLogEntry& entry, std::vector<config::AccessLogField> fields = {}) {
  std::string line;
  format_access_log_line(entry, fields, line);
  return line;
}

TEST(AccessLogLine, TheDefaultLineHasEveryFieldInOrder) {
  EXPECT_EQ(format(sample_entry()),
            R"({"time":"2023-11-14T22:13:20.123456Z","request_id":"rid-1",)"
            R"("http.request.method":"GET","url.path":"/users","url.query":"id=7",)"
            R"("http.response.status_code":200,"client.address":"10.0.0.1",)"
            R"("server.address":"api.example.com","user_agent.original":"curl/7.88.1",)"
            R"("network.protocol.version":"1.1","http.request.size":120,)"
            R"("http.response.size":3456,"duration_us":1500,"route":"users",)"
            R"("upstream":"users-v2","upstream.address":"127.0.0.1:9001","upstream_us":1200,)"
            R"("upstream.tries":1,"error":""})"
            "\n");
}

TEST(AccessLogLine, NoUpstreamLeavesEmptyFieldsNotMissingOnes) {
  AccessLogEntry entry = sample_entry();
  entry.status = 404;
  entry.upstream_address = {};
  entry.upstream_name = {};
  entry.upstream_micros = 0;
  entry.tries = 0;
  entry.route = {};
  const std::string line = format(entry);
  EXPECT_NE(line.find(R"("http.response.status_code":404,)"), std::string::npos) << line;
  EXPECT_TRUE(line.ends_with(R"(,"route":"","upstream":"","upstream.address":"","upstream_us":0,)"
                             R"("upstream.tries":0,"error":""})"
                             "\n"))
      << line;
}

TEST(AccessLogLine, TraceConsumerAndTlsShowWhenTheyHaveValues) {
  AccessLogEntry entry = sample_entry();
  const std::string plain = format(entry);
  EXPECT_EQ(plain.find("trace_id"), std::string::npos) << plain;
  EXPECT_EQ(plain.find("tls."), std::string::npos) << plain;
  EXPECT_EQ(plain.find("consumer"), std::string::npos) << plain;
  entry.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  entry.consumer = "alice";
  entry.tls_version = "TLSv1.3";
  entry.tls_server_name = "api.example.com";
  const std::string line = format(entry);
  EXPECT_NE(line.find(R"("request_id":"rid-1","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736",)"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find(R"("consumer":"alice","tls.protocol.version":"1.3",)"
                      R"("tls.client.server_name":"api.example.com"})"),
            std::string::npos)
      << line;
  EXPECT_EQ(line.find("tls.client.subject"), std::string::npos) << "still empty";
}

TEST(AccessLogLine, AListOfFieldsChoosesWhatAndInWhichOrderAlwaysWritingThem) {
  using F = config::AccessLogField;
  EXPECT_EQ(format(sample_entry(), {F::http_response_status_code, F::url_path, F::trace_id}),
            R"({"http.response.status_code":200,"url.path":"/users","trace_id":""})"
            "\n");
  AccessLogEntry entry = sample_entry();
  entry.span_id = "00f067aa0ba902b7";
  EXPECT_EQ(format(entry, {F::span_id}), R"({"span_id":"00f067aa0ba902b7"})"
                                         "\n");
}

TEST(AccessLogLine, TheServerAddressIsTheHostWithoutItsPort) {
  AccessLogEntry entry = sample_entry();
  entry.host = "api.example.com:8443";
  EXPECT_NE(format(entry).find(R"("server.address":"api.example.com",)"), std::string::npos);
  entry.host = "[2001:db8::1]:8080";
  EXPECT_NE(format(entry).find(R"("server.address":"2001:db8::1",)"), std::string::npos);
}

TEST(AccessLogLine, AGatewayErrorNamesItsCode) {
  AccessLogEntry entry = sample_entry();
  entry.status = 502;
  entry.error = "upstream_connect_failed";
  EXPECT_TRUE(format(entry).ends_with(R"("error":"upstream_connect_failed"})"
                                      "\n"))
      << format(entry);
}

TEST(AccessLogLine, TimeIsUtcWithZeroPaddedMicroseconds) {
  AccessLogEntry entry = sample_entry();
  entry.unix_micros = 0;
  EXPECT_TRUE(format(entry).starts_with(R"({"time":"1970-01-01T00:00:00.000000Z",)"));
  entry.unix_micros = 951'782'400'000'042;  // 2000-02-29T00:00:00 (leap day)
  EXPECT_TRUE(format(entry).starts_with(R"({"time":"2000-02-29T00:00:00.000042Z",)"))
      << format(entry);
  entry.unix_micros = 1'700'000'000'999'999;
  EXPECT_TRUE(format(entry).starts_with(R"({"time":"2023-11-14T22:13:20.999999Z",)"))
      << format(entry);
}

TEST(AccessLogLine, EscapesQuotesBackslashesAndControlCharacters) {
  AccessLogEntry entry = sample_entry();
  entry.path = "/a\"b\\c\x01\n\t";
  entry.method = "G\"T";
  const std::string line = format(entry);
  EXPECT_NE(line.find(R"("url.path":"/a\"b\\c\u0001\u000a\u0009",)"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("http.request.method":"G\"T",)"), std::string::npos) << line;
  // Still one line: the only newline is the terminator.
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
  EXPECT_EQ(line.back(), '\n');
}

TEST(AccessLogLine, KeepsValidUtf8AndReplacesInvalidBytes) {
  AccessLogEntry entry = sample_entry();
  entry.path = "/caf\xc3\xa9/\xff";
  const std::string line = format(entry);
  EXPECT_NE(line.find("\"url.path\":\"/caf\xc3\xa9/\\ufffd\","), std::string::npos) << line;
}

TEST(AccessLogLine, AppendsToTheOutput) {
  std::string out = "first\n";
  format_access_log_line(sample_entry(), {}, out);
  format_access_log_line(sample_entry(), {}, out);
  EXPECT_TRUE(out.starts_with("first\n{\"time\":")) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3);
}

// ---- queue ----

TEST(AccessLogQueue, PopsInOrderAndReportsEmpty) {
  AccessLogQueue queue(8);
  std::string out = "untouched";
  EXPECT_FALSE(queue.pop(out));
  EXPECT_EQ(out, "untouched");
  for (std::string text : {"a", "b", "c"}) {
    ASSERT_TRUE(queue.push(text));
    EXPECT_TRUE(text.empty());  // swapped with the (empty) slot
  }
  ASSERT_TRUE(queue.pop(out));
  EXPECT_EQ(out, "a");
  ASSERT_TRUE(queue.pop(out));
  EXPECT_EQ(out, "b");
  ASSERT_TRUE(queue.pop(out));
  EXPECT_EQ(out, "c");
  EXPECT_FALSE(queue.pop(out));
  EXPECT_EQ(queue.dropped(), 0u);
}

TEST(AccessLogQueue, HoldsCapacityMinusOneThenDropsAndCounts) {
  AccessLogQueue queue(4);
  for (int i = 0; i < 3; ++i) {
    std::string line = "line" + std::to_string(i);
    ASSERT_TRUE(queue.push(line)) << i;
  }
  std::string extra = "extra";
  EXPECT_FALSE(queue.push(extra));
  EXPECT_EQ(extra, "extra");  // a refused line is left with the caller
  EXPECT_EQ(queue.dropped(), 1u);
  EXPECT_FALSE(queue.push(extra));
  EXPECT_EQ(queue.dropped(), 2u);

  std::string out;
  ASSERT_TRUE(queue.pop(out));
  EXPECT_EQ(out, "line0");
  EXPECT_TRUE(queue.push(extra));  // room again
  EXPECT_EQ(queue.dropped(), 2u);  // drops are never un-counted
  std::vector<std::string> rest;
  while (queue.pop(out)) rest.push_back(out);
  EXPECT_EQ(rest, (std::vector<std::string>{"line1", "line2", "extra"}));
}

TEST(AccessLogQueue, WrapsAroundManyTimesInOrder) {
  AccessLogQueue queue(3);
  int next_pop = 0;
  std::string out;
  for (int i = 0; i < 50; ++i) {
    std::string line = std::to_string(i);
    ASSERT_TRUE(queue.push(line)) << i;
    if (i % 2 == 1) {  // keep at most two in flight
      for (int k = 0; k < 2; ++k) {
        ASSERT_TRUE(queue.pop(out));
        EXPECT_EQ(out, std::to_string(next_pop++));
      }
    }
  }
  EXPECT_FALSE(queue.pop(out));
  EXPECT_EQ(next_pop, 50);
  EXPECT_EQ(queue.dropped(), 0u);
}

TEST(AccessLogQueue, DefaultCapacityHolds8191Lines) {
  AccessLogQueue queue;
  for (int i = 0; i < 8191; ++i) {
    std::string line = "x";
    ASSERT_TRUE(queue.push(line)) << i;
  }
  std::string line = "x";
  EXPECT_FALSE(queue.push(line));
  EXPECT_EQ(queue.dropped(), 1u);
}

// ---- the log with its writer thread ----

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "apigw_access_log_test_" + std::to_string(::getpid()) + "_" + name;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream file(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(file, line);) lines.push_back(line);
  return lines;
}

TEST(AccessLog, WriterDrainsEveryQueueBeforeItStops) {
  const std::string path = temp_path("drain.log");
  ::unlink(path.c_str());
  {
    AccessLog log(path, 2);
    std::string error;
    ASSERT_TRUE(log.open(error)) << error;
    AccessLogEntry entry = sample_entry();
    for (int i = 0; i < 5; ++i) {
      std::string line;
      entry.status = 200 + i;
      format_access_log_line(entry, {}, line);
      ASSERT_TRUE(log.queue(static_cast<std::size_t>(i % 2)).push(line));
    }
  }  // the destructor stops the writer after a final drain
  std::vector<std::string> lines = read_lines(path);
  ASSERT_EQ(lines.size(), 5u);
  std::vector<std::string> statuses;
  for (const auto& line : lines) {
    EXPECT_TRUE(line.starts_with("{\"time\":") && line.ends_with("\"error\":\"\"}")) << line;
    const std::size_t at = line.find("\"http.response.status_code\":");
    ASSERT_NE(at, std::string::npos) << line;
    statuses.push_back(line.substr(at + 28, 3));
  }
  std::sort(statuses.begin(), statuses.end());
  EXPECT_EQ(statuses, (std::vector<std::string>{"200", "201", "202", "203", "204"}));
  ::unlink(path.c_str());
}

TEST(AccessLog, AppendsToAnExistingFile) {
  const std::string path = temp_path("append.log");
  {
    std::ofstream existing(path, std::ios::trunc);
    existing << "old line\n";
  }
  {
    AccessLog log(path, 1);
    std::string error;
    ASSERT_TRUE(log.open(error)) << error;
    std::string line = "new line\n";
    ASSERT_TRUE(log.queue(0).push(line));
  }
  EXPECT_EQ(read_lines(path), (std::vector<std::string>{"old line", "new line"}));
  ::unlink(path.c_str());
}

TEST(AccessLog, ReopenLetsGoOfARotatedFile) {
  const std::string path = temp_path("rotate.log");
  const std::string rotated = path + ".1";
  ::unlink(path.c_str());
  ::unlink(rotated.c_str());
  const auto wait_for_lines = [](const std::string& file, std::size_t count) {
    for (int i = 0; i < 250 && read_lines(file).size() < count; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return read_lines(file);
  };
  {
    AccessLog log(path, 1);
    std::string error;
    ASSERT_TRUE(log.open(error)) << error;
    std::string line = "before\n";
    ASSERT_TRUE(log.queue(0).push(line));
    ASSERT_EQ(wait_for_lines(path, 1).size(), 1u);
    ASSERT_EQ(::rename(path.c_str(), rotated.c_str()), 0);  // what logrotate does
    log.reopen();
    for (int i = 0; i < 250 && log.reopened() == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(log.reopened(), 1u);
    line = "after\n";
    ASSERT_TRUE(log.queue(0).push(line));
    EXPECT_EQ(wait_for_lines(path, 1), (std::vector<std::string>{"after"}));
  }
  EXPECT_EQ(read_lines(rotated), (std::vector<std::string>{"before"}));
  ::unlink(path.c_str());
  ::unlink(rotated.c_str());
}

TEST(AccessLog, OpenFailureIsReported) {
  AccessLog log("/nonexistent-apigw-dir/sub/access.log", 1);
  std::string error;
  EXPECT_FALSE(log.open(error));
  EXPECT_NE(error.find("cannot open access log '/nonexistent-apigw-dir/sub/access.log'"),
            std::string::npos)
      << error;
}

TEST(AccessLog, DroppedSumsAllQueues) {
  AccessLog log("/unused", 2);  // never opened: no writer thread drains the queues
  for (std::size_t worker = 0; worker < 2; ++worker) {
    for (int i = 0; i < 8191; ++i) {
      std::string line = "x";
      ASSERT_TRUE(log.queue(worker).push(line));
    }
  }
  std::string line = "x";
  EXPECT_FALSE(log.queue(0).push(line));
  EXPECT_FALSE(log.queue(1).push(line));
  EXPECT_FALSE(log.queue(1).push(line));
  EXPECT_EQ(log.queue(0).dropped(), 1u);
  EXPECT_EQ(log.queue(1).dropped(), 2u);
  EXPECT_EQ(log.dropped(), 3u);
}

}  // namespace
}  // namespace apigw::observe
