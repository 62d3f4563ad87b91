// Distributed tracing end to end: W3C traceparent from the client (or none) through the gateway
// to real backends, and the spans the gateway exports, received by an OTLP/HTTP receiver that
// checks every payload against the OTLP JSON schema (tests/support/otlp_receiver.py).
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <map>
#include <sstream>
#include <fstream>
#include <thread>

#include <boost/json.hpp>

#include "support/gateway.h"
#include "support/script_backend.h"

namespace apigw::test {
namespace {

namespace json = boost::json;

// A gateway with `targets` behind route "api", an access log, and [tracing] sending to
// `receiver` (the extra lines go into [tracing]).
std::string traced_config(const std::string& targets, const std::string& receiver,
                          const std::string& tracing_extra = "sample_ratio = 1.0") {
  return fill(R"(
[server]
listen = ["127.0.0.1:{port}"]
workers = 1
[server.access_log]
enabled = true
path = "{dir}/access.log"
[admin]
listen = "127.0.0.1:{admin_port}"
[tracing]
otlp_endpoint = "http://{receiver}/v1/traces"
flush_interval = "100ms"
{tracing_extra}
[[upstreams]]
name = "backend"
targets = [{targets}]
[[routes]]
name = "api"
match = { path_prefix = "/" }
upstream = "backend"
)",
              {{"targets", targets}, {"receiver", receiver}, {"tracing_extra", tracing_extra}});
}

std::string target(const std::string& address) { return "{ address = \"" + address + "\" }"; }

// The spans the receiver got, in order.
std::vector<json::object> spans_of(const ScriptBackend& receiver) {
  std::vector<json::object> spans;
  std::istringstream log(receiver.log());
  for (std::string line; std::getline(log, line);) {
    if (line.rfind("span ", 0) == 0) spans.push_back(json::parse(line.substr(5)).as_object());
  }
  return spans;
}

std::vector<json::object> wait_for_spans(const ScriptBackend& receiver, std::size_t count) {
  std::vector<json::object> spans;
  wait_until([&] { return (spans = spans_of(receiver)).size() >= count; });
  return spans;
}

std::vector<json::object> of_trace(const std::vector<json::object>& spans,
                                   const std::string& trace_id) {
  std::vector<json::object> out;
  for (const auto& span : spans) {
    if (span.at("traceId") == trace_id.c_str()) out.push_back(span);
  }
  return out;
}

const json::object* with_kind(const std::vector<json::object>& spans, int kind) {
  for (const auto& span : spans) {
    if (span.at("kind").as_int64() == kind) return &span;
  }
  return nullptr;
}

// "00-trace-span-flags" as the backend received it (the echo body lists the request headers).
std::string traceparent_seen(const std::string& echo_body) {
  return std::string(json::parse(echo_body).at("headers").at("traceparent").as_string());
}

std::string str(const json::value& value) { return std::string(value.as_string()); }

constexpr int kServer = 2, kClient = 3;

TEST(Tracing, ARequestWithoutTraceparentStartsATraceThatTheUpstreamContinues) {
  ScriptBackend receiver("otlp_receiver.py", {});
  EchoBackend backend;
  Gateway gateway(traced_config(target(backend.address()), receiver.address()));
  const auto answer = http_get(gateway.port(), "/orders?id=7", {"-A", "tracing-test/1"});
  ASSERT_EQ(answer.status, 200);
  const std::string seen = traceparent_seen(answer.body);
  ASSERT_EQ(seen.size(), 55u) << seen;
  const std::string trace_id = seen.substr(3, 32);
  const std::string try_span = seen.substr(36, 16);
  EXPECT_EQ(seen.substr(53), "01") << "sampled";

  const auto spans = of_trace(wait_for_spans(receiver, 2), trace_id);
  ASSERT_EQ(spans.size(), 2u) << receiver.log();
  const json::object* server = with_kind(spans, kServer);
  const json::object* client = with_kind(spans, kClient);
  ASSERT_TRUE(server != nullptr && client != nullptr);
  EXPECT_FALSE(server->contains("parentSpanId")) << "the gateway started the trace";
  EXPECT_EQ(str(server->at("name")), "GET api");
  EXPECT_EQ(str(server->at("service")), "apigw");
  const json::object& attributes = server->at("attributes").as_object();
  EXPECT_EQ(attributes.at("http.request.method"), "GET");
  EXPECT_EQ(attributes.at("url.path"), "/orders");
  EXPECT_EQ(attributes.at("http.response.status_code").as_int64(), 200);
  EXPECT_EQ(attributes.at("apigw.route"), "api");
  EXPECT_EQ(attributes.at("client.address"), "127.0.0.1");
  EXPECT_EQ(attributes.at("user_agent.original"), "tracing-test/1");
  EXPECT_EQ(attributes.at("network.protocol.version"), "1.1");
  // The try's span is the one the upstream was told about, a child of the request's.
  EXPECT_EQ(str(client->at("spanId")), try_span);
  EXPECT_EQ(client->at("parentSpanId"), server->at("spanId"));
  EXPECT_EQ(str(client->at("name")), "upstream backend");
  const json::object& try_attributes = client->at("attributes").as_object();
  EXPECT_EQ(try_attributes.at("server.address"), "127.0.0.1");
  EXPECT_EQ(try_attributes.at("server.port").as_int64(), backend.port());
  EXPECT_EQ(try_attributes.at("apigw.try").as_int64(), 1);
  EXPECT_EQ(try_attributes.at("http.response.status_code").as_int64(), 200);
  // The try lies within the request.
  const auto nanos = [](const json::value& v) { return std::stoll(std::string(v.as_string())); };
  EXPECT_GE(nanos(client->at("startTimeUnixNano")), nanos(server->at("startTimeUnixNano")));
  EXPECT_LE(nanos(client->at("endTimeUnixNano")), nanos(server->at("endTimeUnixNano")));
  const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  EXPECT_LT(std::abs(now - nanos(server->at("startTimeUnixNano"))), 60'000'000'000LL);

  // The access log names the trace.
  wait_until([&] {
    std::ifstream log(gateway.dir() + "/access.log");
    return std::string(std::istreambuf_iterator<char>(log), {}).find(trace_id) != std::string::npos;
  });
  std::ifstream log(gateway.dir() + "/access.log");
  const std::string lines(std::istreambuf_iterator<char>(log), {});
  EXPECT_NE(lines.find("\"trace_id\":\"" + trace_id + "\""), std::string::npos) << lines;
}

TEST(Tracing, ACallersTraceAndItsSamplingDecisionAreFollowed) {
  ScriptBackend receiver("otlp_receiver.py", {});
  EchoBackend backend;
  // The gateway itself would sample nothing: only the callers' decisions count.
  Gateway gateway(traced_config(target(backend.address()), receiver.address(), "sample_ratio = 0"));
  const std::string unsampled = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
  const auto first = http_get(gateway.port(), "/a", {"-H", "traceparent: " + unsampled});
  ASSERT_EQ(first.status, 200);
  const std::string first_seen = traceparent_seen(first.body);
  EXPECT_EQ(first_seen.substr(0, 36), unsampled.substr(0, 36)) << "same trace";
  EXPECT_NE(first_seen.substr(36, 16), "b7ad6b7169203331") << "a span of the gateway's";
  EXPECT_EQ(first_seen.substr(53), "00") << "still not sampled";

  const std::string sampled = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const auto second = http_get(gateway.port(), "/b",
                               {"-H", "traceparent: " + sampled, "-H", "tracestate: rojo=1,congo=2"});
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(traceparent_seen(second.body).substr(53), "01");
  EXPECT_EQ(json::parse(second.body).at("headers").at("tracestate"), "rojo=1,congo=2")
      << "tracestate goes on as it came";
  const auto spans = wait_for_spans(receiver, 2);
  ASSERT_EQ(of_trace(spans, "4bf92f3577b34da6a3ce929d0e0e4736").size(), 2u) << receiver.log();
  EXPECT_TRUE(of_trace(spans, "0af7651916cd43dd8448eb211c80319c").empty())
      << "the unsampled request, served first by the one worker, exported nothing";
  const json::object* server = with_kind(spans, kServer);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(str(server->at("parentSpanId")), "00f067aa0ba902b7");

  // Without a caller and at ratio 0: a trace the gateway starts, unsampled, still propagated.
  const auto third = http_get(gateway.port(), "/c");
  const std::string third_seen = traceparent_seen(third.body);
  EXPECT_EQ(third_seen.size(), 55u);
  EXPECT_EQ(third_seen.substr(53), "00");
  EXPECT_EQ(third_seen.substr(3, 32), str(json::parse(third.body).at("headers").at("x-request-id")))
      << "a trace the gateway starts takes the request id it made";
  // A request id of the client's stays the request id; the trace gets one of its own.
  const auto fourth = http_get(gateway.port(), "/d", {"-H", "X-Request-Id: order-42"});
  const std::string fourth_seen = traceparent_seen(fourth.body);
  EXPECT_EQ(str(json::parse(fourth.body).at("headers").at("x-request-id")), "order-42");
  EXPECT_EQ(fourth_seen.size(), 55u);
  EXPECT_EQ(fourth_seen.substr(3, 32).find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(Tracing, AnInvalidTraceparentIsReplacedByANewTrace) {
  ScriptBackend receiver("otlp_receiver.py", {});
  EchoBackend backend;
  Gateway gateway(traced_config(target(backend.address()), receiver.address()));
  for (const std::string bad :
       {"00-00000000000000000000000000000000-b7ad6b7169203331-01", "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "not-a-traceparent"}) {
    const auto answer = http_get(gateway.port(), "/x", {"-H", "traceparent: " + bad});
    ASSERT_EQ(answer.status, 200);
    const std::string seen = traceparent_seen(answer.body);
    EXPECT_EQ(seen.size(), 55u) << bad;
    EXPECT_EQ(seen.find("0af7651916cd43dd8448eb211c80319c"), std::string::npos) << bad;
    EXPECT_EQ(seen.substr(53), "01") << "sampled at ratio 1";
  }
  const auto spans = wait_for_spans(receiver, 6);
  for (const auto& span : spans) {
    if (span.at("kind").as_int64() == kServer) {
      EXPECT_FALSE(span.contains("parentSpanId"));
    }
  }
}

TEST(Tracing, TheGatewaysTraceHeadersAreTheOnlyOnesTheUpstreamGets) {
  ScriptBackend receiver("otlp_receiver.py", {});
  EchoBackend backend;
  // A headers filter that would set its own traceparent does not get to.
  Gateway gateway(traced_config(target(backend.address()), receiver.address()) +
                  "filters = [{ name = \"headers\", request_set = { \"traceparent\" = \"00-1-2-01\" } }]\n");
  const std::string caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  // Two traceparent headers: the value is invalid, the trace restarts, its tracestate goes.
  const auto twice = http_get(gateway.port(), "/x",
                              {"-H", "traceparent: " + caller, "-H", "traceparent: " + caller,
                               "-H", "tracestate: rojo=1"});
  ASSERT_EQ(twice.status, 200);
  const json::value twice_body = json::parse(twice.body);
  const json::object& headers = twice_body.at("headers").as_object();
  const std::string seen = std::string(headers.at("traceparent").as_string());
  EXPECT_EQ(seen.size(), 55u) << "one value, the gateway's: " << seen;
  EXPECT_EQ(seen.find("4bf92f3577b34da6a3ce929d0e0e4736"), std::string::npos);
  EXPECT_FALSE(headers.contains("tracestate")) << "a restarted trace drops the caller's state";
  // One valid traceparent: continued, the tracestate kept, the filter's value still not sent.
  const auto once =
      http_get(gateway.port(), "/x", {"-H", "traceparent: " + caller, "-H", "tracestate: rojo=1"});
  const json::value once_body = json::parse(once.body);
  const json::object& kept = once_body.at("headers").as_object();
  EXPECT_EQ(std::string(kept.at("traceparent").as_string()).substr(0, 35), caller.substr(0, 35));
  EXPECT_EQ(kept.at("tracestate"), "rojo=1");
}

TEST(Tracing, EveryTryIsASpanSoFailoverAndRetriesShow) {
  ScriptBackend receiver("otlp_receiver.py", {});
  EchoBackend backend;
  Gateway gateway(traced_config(target(dead_address()) + ", " + target(backend.address()),
                                receiver.address()));
  // Round robin: one of two requests meets the dead target first and fails over.
  for (int i = 0; i < 2; ++i) ASSERT_EQ(http_get(gateway.port(), "/x").status, 200);
  const auto spans = wait_for_spans(receiver, 5);
  ASSERT_EQ(spans.size(), 5u) << receiver.log();
  std::map<std::string, std::vector<json::object>> traces;
  for (const auto& span : spans) traces[str(span.at("traceId"))].push_back(span);
  ASSERT_EQ(traces.size(), 2u);
  bool saw_failover = false;
  for (const auto& [trace, members] : traces) {
    if (members.size() != 3) continue;
    saw_failover = true;
    std::vector<json::object> tries;
    for (const auto& span : members) {
      if (span.at("kind").as_int64() == kClient) tries.push_back(span);
    }
    ASSERT_EQ(tries.size(), 2u);
    std::sort(tries.begin(), tries.end(), [](const auto& a, const auto& b) {
      return a.at("attributes").at("apigw.try").as_int64() <
             b.at("attributes").at("apigw.try").as_int64();
    });
    EXPECT_EQ(tries[0].at("attributes").at("error.type"), "upstream_connect_failed");
    EXPECT_EQ(tries[0].at("status").at("code").as_int64(), 2);
    EXPECT_EQ(tries[1].at("attributes").at("http.response.status_code").as_int64(), 200);
    EXPECT_NE(tries[0].at("spanId"), tries[1].at("spanId"));
    EXPECT_EQ(tries[0].at("parentSpanId"), tries[1].at("parentSpanId"));
  }
  EXPECT_TRUE(saw_failover) << receiver.log();
}

TEST(Tracing, AFilterThatWaitsOnAServiceGetsASpanAndPropagatesTheTrace) {
  ScriptBackend receiver("otlp_receiver.py", {});
  EchoBackend backend("api");
  EchoBackend auth("auth");
  Gateway gateway(traced_config(target(backend.address()), receiver.address()) +
                  fill(R"(filters = [{ name = "forward_auth", url = "http://{auth}/check" }]
)",
                       {{"auth", auth.address()}}));
  ASSERT_EQ(http_get(gateway.port(), "/x").status, 200);
  const auto spans = wait_for_spans(receiver, 3);
  ASSERT_EQ(spans.size(), 3u) << receiver.log();
  const json::object* server = with_kind(spans, kServer);
  const json::object* filter = nullptr;
  for (const auto& span : spans) {
    if (span.at("name") == "filter forward_auth") filter = &span;
  }
  ASSERT_TRUE(server != nullptr && filter != nullptr) << receiver.log();
  // A client span: its id is the parent the auth service is told about.
  EXPECT_EQ(filter->at("kind").as_int64(), kClient);
  EXPECT_EQ(filter->at("parentSpanId"), server->at("spanId"));
  EXPECT_EQ(filter->at("attributes").at("apigw.filter"), "forward_auth");
}

TEST(Tracing, ACollectorThatIsDownOrSlowCostsNoRequest) {
  // Nothing listens at the endpoint: every export fails, every request still succeeds.
  EchoBackend backend;
  {
    Gateway gateway(traced_config(target(backend.address()), dead_address()));
    for (int i = 0; i < 10; ++i) ASSERT_EQ(get_in_process(gateway.port(), "/x").status, 200);
    EXPECT_TRUE(gateway.wait_for_metric("apigw_tracing_spans_total{result=\"export_failed\"} 20"))
        << gateway.metrics();
    EXPECT_EQ(gateway.metrics().find("apigw_tracing_export_errors_total 0"), std::string::npos);
  }
  // A receiver that refuses (503): counted the same way.
  {
    ScriptBackend refusing("otlp_receiver.py", {"--status", "503"});
    Gateway gateway(traced_config(target(backend.address()), refusing.address()));
    ASSERT_EQ(get_in_process(gateway.port(), "/x").status, 200);
    EXPECT_TRUE(gateway.wait_for_metric("apigw_tracing_spans_total{result=\"export_failed\"} 2"))
        << gateway.metrics();
  }
  // A receiver that never answers, and a queue of 8: the queue fills while the first export
  // hangs, further spans are dropped and counted, and requests do not wait for any of it.
  {
    ScriptBackend hanging("otlp_receiver.py", {"--hang"});
    Gateway gateway(traced_config(target(backend.address()), hanging.address(),
                                  "sample_ratio = 1.0\nqueue_size = 8\nexport_timeout = \"30s\""));
    for (int i = 0; i < 40; ++i) ASSERT_EQ(get_in_process(gateway.port(), "/x").status, 200);
    const std::string metrics = gateway.metrics();
    const std::string dropped = "apigw_tracing_spans_total{result=\"dropped_queue_full\"} ";
    const std::size_t at = metrics.find(dropped);
    ASSERT_NE(at, std::string::npos) << metrics;
    // 80 spans; the queue holds 7 and the hanging export 7 more.
    EXPECT_GE(std::stoi(metrics.substr(at + dropped.size())), 60) << metrics;
  }
}

TEST(Tracing, WithoutTracingTheClientsTraceparentPassesUntouched) {
  EchoBackend backend;
  Gateway gateway(pool_config(target(backend.address())));
  const std::string theirs = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const auto answer = http_get(gateway.port(), "/x", {"-H", "traceparent: " + theirs});
  EXPECT_EQ(traceparent_seen(answer.body), theirs);
  const auto none = http_get(gateway.port(), "/x");
  EXPECT_FALSE(json::parse(none.body).at("headers").as_object().contains("traceparent"));
}

TEST(Tracing, AReloadTurnsTracingOnAndOff) {
  ScriptBackend receiver("otlp_receiver.py", {});
  EchoBackend backend;
  Gateway gateway(pool_config(target(backend.address())));
  const auto before = http_get(gateway.port(), "/x");
  EXPECT_FALSE(json::parse(before.body).at("headers").as_object().contains("traceparent"));
  gateway.write_config(pool_config(target(backend.address())) +
                       fill("[tracing]\notlp_endpoint = \"http://{r}/v1/traces\"\n"
                            "sample_ratio = 1.0\nflush_interval = \"100ms\"\n",
                            {{"r", receiver.address()}}));
  gateway.process().signal(SIGHUP);
  ASSERT_TRUE(gateway.wait_for_metric("apigw_config_version 2"));
  const auto after = http_get(gateway.port(), "/x");
  EXPECT_EQ(traceparent_seen(after.body).size(), 55u);
  EXPECT_EQ(wait_for_spans(receiver, 2).size(), 2u) << receiver.log();
}

TEST(Tracing, TheReceiverRefusesWhatIsNotOtlp) {
  // The schema check that the tests above rely on can fail: a misspelt field is refused.
  ScriptBackend receiver("otlp_receiver.py", {});
  const auto refused = curl(
      {"-H", "Content-Type: application/json", "--data",
       R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"x"}}]},)"
       R"("scopeSpans":[{"spans":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanID":"00f067aa0ba902b7",)"
       R"("name":"x","kind":2,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000000000001"}]}]}]})",
       "http://" + receiver.address() + "/v1/traces"});
  EXPECT_EQ(refused.status, 400);
  EXPECT_TRUE(receiver.saw("invalid")) << receiver.log();
}

}  // namespace
}  // namespace apigw::test
