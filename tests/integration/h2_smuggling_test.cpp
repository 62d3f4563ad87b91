// HTTP/2 -> HTTP/1.1 smuggling: requests an HTTP/1 upstream could read differently from the
// gateway, sent as raw frames (tests/support/h2_request.py: every field as given, no client-side
// normalization), and what reached the recording backend behind the gateway: nothing (the stream
// is reset with PROTOCOL_ERROR), or exactly the request the rules allow (docs/http2.md, "What an
// HTTP/2 request may not carry").
#include <gtest/gtest.h>

#include "support/gateway.h"
#include "support/h2_tools.h"
#include "support/recording_backend.h"

namespace apigw::test {
namespace {

using namespace std::chrono_literals;
using Fields = std::vector<std::pair<std::string, std::string>>;

// What the backend saw of one request: its verdict ("ok", "incomplete", ...) and raw head.
struct Seen {
  std::string verdict, head, body;
};

class H2Smuggling : public ::testing::Test {
 protected:
  RecordingBackend backend{"recording", {.record_heads = true}};
  TempDir dir;
  H2Listeners listeners{dir.path()};
  Gateway gateway{h2_gateway_config(listeners, backend.address())};

  std::string authority() const { return "127.0.0.1:" + std::to_string(gateway.port()); }
  Fields request(const std::string& method, const std::string& path, Fields extra = {}) const {
    Fields fields = {
        {":method", method}, {":scheme", "http"}, {":path", path}, {":authority", authority()}};
    fields.insert(fields.end(), extra.begin(), extra.end());
    return fields;
  }

  // Sends one request (fields in order, then `more` options of h2_request.py) and returns the
  // client's view: status, rst, goaway.
  boost::json::object send(const Fields& fields, std::vector<std::string> more = {}) {
    std::vector<std::string> args = {"--port", std::to_string(gateway.port())};
    for (const auto& [name, value] : fields) args.insert(args.end(), {"--field", name, value});
    args.insert(args.end(), more.begin(), more.end());
    const JsonRun run = run_json_tool("tests/support/h2_request.py", args, 30s);
    EXPECT_FALSE(run.json.empty()) << run.output;
    EXPECT_TRUE(run.json.contains("error") && run.json.at("error").is_null()) << run.output;
    return run.json;
  }

  // Every event the backend recorded, once the gateway has had time to pass anything on.
  std::vector<Seen> seen() {
    std::this_thread::sleep_for(300ms);
    std::vector<Seen> out;
    for (const std::string& line : backend.events()) {
      const boost::json::object event = boost::json::parse(line).as_object();
      out.push_back(
          {json_text(event, "verdict"), json_text(event, "head"), json_text(event, "body")});
    }
    return out;
  }

  // The stream was reset with PROTOCOL_ERROR and no request reached the backend.
  void expect_refused(const Fields& fields, std::vector<std::string> more = {}) {
    const boost::json::object r = send(fields, more);
    EXPECT_EQ(json_text(r, "rst"), "PROTOCOL_ERROR") << boost::json::serialize(r);
    EXPECT_TRUE(r.at("status").is_null()) << boost::json::serialize(r);
    for (const Seen& s : seen())
      ADD_FAILURE() << "reached the backend: " << s.verdict << "\n" << s.head;
  }
};

// The head the backend got, without the fields the gateway itself sets (X-Forwarded-*,
// X-Request-Id): what came from the client, in order.
std::string client_part(const std::string& head) {
  std::string out;
  std::size_t at = 0;
  while (at < head.size()) {
    const std::size_t end = head.find("\r\n", at);
    const std::string line = head.substr(at, end - at);
    at = end == std::string::npos ? head.size() : end + 2;
    if (line.rfind("X-Forwarded-", 0) == 0 || line.rfind("X-Request-Id:", 0) == 0) continue;
    out += line + "\n";
  }
  return out;
}

TEST_F(H2Smuggling, ContentLengthThatTheDataContradictsNeverCompletesUpstream) {
  // A non-zero length with END_STREAM on the head: refused before anything goes upstream.
  expect_refused(request("POST", "/none", {{"content-length", "5"}}));
  // More DATA than declared, in the head's write (usually the gateway's read: nothing goes
  // upstream); declared 20, 5 sent, then END_STREAM; declared 5, sent 3 then 4, the DATA 200 ms
  // after the head (which has gone upstream by then). The stream is reset, and the upstream
  // connection is closed before the declared length is complete: at most a partial request
  // upstream, never a complete one, and nothing after it.
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"5", {"--data", "hello world"}},
      {"20", {"--pause-ms", "200", "--data", "hello"}},
      {"5", {"--pause-ms", "200", "--data", "hel", "--data", "lo!!"}}};
  for (const auto& [declared, more] : cases) {
    const boost::json::object r =
        send(request("POST", "/contradicted", {{"content-length", declared}}), more);
    EXPECT_EQ(json_text(r, "rst"), "PROTOCOL_ERROR") << boost::json::serialize(r);
    EXPECT_TRUE(r.at("status").is_null()) << boost::json::serialize(r);
  }
  for (const Seen& s : seen()) EXPECT_EQ(s.verdict, "incomplete") << s.head;
  EXPECT_EQ(backend.requests_seen(), 0);
  EXPECT_TRUE(backend.violations().empty());
}

TEST_F(H2Smuggling, TransferEncodingIsRefused) {
  expect_refused(request("POST", "/te", {{"transfer-encoding", "chunked"}}),
                 {"--data", "5\r\nhello\r\n0\r\n\r\n"});
  expect_refused(request("GET", "/te", {{"te", "trailers, deflate"}}));
}

TEST_F(H2Smuggling, CrOrLfInPseudoHeaderFieldsIsRefused) {
  const std::string crlf_header = "\r\nX-Injected: 1";
  expect_refused({{":method", "GET"},
                  {":scheme", "http"},
                  {":path", "/a HTTP/1.1" + crlf_header + "\r\nx: "},
                  {":authority", authority()}});
  expect_refused({{":method", "GET /x HTTP/1.1\r\nHost: evil\r\n\r\nGET"},
                  {":scheme", "http"},
                  {":path", "/m"},
                  {":authority", authority()}});
  expect_refused({{":method", "GET"},
                  {":scheme", "http"},
                  {":path", "/auth"},
                  {":authority", "127.0.0.1" + crlf_header}});
  expect_refused({{":method", "GET"},
                  {":scheme", "http" + crlf_header},
                  {":path", "/scheme"},
                  {":authority", authority()}});
  expect_refused(
      {{":method", "GET"}, {":scheme", "http"}, {":path", "/lf\n"}, {":authority", authority()}});
}

TEST_F(H2Smuggling, AuthorityAndHostThatDifferAreRefusedAndTheSameOnePassesOnce) {
  expect_refused(request("GET", "/differ", {{"host", "evil.example"}}));
  const boost::json::object r = send(request("GET", "/same", {{"host", authority()}}));
  EXPECT_EQ(json_number(r, "status"), 200) << boost::json::serialize(r);
  const std::vector<Seen> all = seen();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].verdict, "ok");
  EXPECT_EQ(client_part(all[0].head), "GET /same HTTP/1.1\nHost: " + authority() + "\n\n")
      << all[0].head;
}

TEST_F(H2Smuggling, UpperCaseFieldNamesAreRefused) {
  expect_refused(request("GET", "/upper", {{"X-Upper", "1"}}));
  expect_refused(request("GET", "/upper", {{"Content-Length", "0"}}));
  expect_refused(request("GET", "/upper", {{"HOST", "127.0.0.1"}}));
}

TEST_F(H2Smuggling, ConnectionSpecificFieldsAreRefusedAndTeTrailersIsDropped) {
  for (const auto& [name, value] : Fields{{"connection", "close"},
                                          {"connection", "x-hop"},
                                          {"keep-alive", "timeout=5"},
                                          {"proxy-connection", "keep-alive"},
                                          {"upgrade", "websocket"}}) {
    expect_refused(request("GET", "/hop", {{name, value}, {"x-hop", "1"}}));
  }
  // The one connection-specific field HTTP/2 allows: te: trailers, which goes no further.
  const boost::json::object r = send(request("GET", "/te", {{"te", "trailers"}, {"x-kept", "1"}}));
  EXPECT_EQ(json_number(r, "status"), 200) << boost::json::serialize(r);
  const std::vector<Seen> all = seen();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(client_part(all[0].head), "GET /te HTTP/1.1\nHost: " + authority() + "\nx-kept: 1\n\n")
      << all[0].head;
}

TEST_F(H2Smuggling, ABodyWithoutALengthArrivesChunkedWithExactlyItsBytes) {
  // The allowed case the rows above are measured against: DATA frames of undeclared length
  // become one chunked body upstream, whole.
  const boost::json::object r = send(request("POST", "/stream"),
                                     {"--pause-ms", "100", "--data", "hello", "--data", " world"});
  EXPECT_EQ(json_number(r, "status"), 200) << boost::json::serialize(r);
  const std::vector<Seen> all = seen();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].verdict, "ok");
  EXPECT_EQ(client_part(all[0].head),
            "POST /stream HTTP/1.1\nHost: " + authority() + "\nTransfer-Encoding: chunked\n\n")
      << all[0].head;
  EXPECT_EQ(all[0].body, "hello world");
}

}  // namespace
}  // namespace apigw::test
