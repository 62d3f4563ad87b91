#include "observe/http2_metrics.h"

namespace apigw::observe {

void Http2Counters::merge(const Http2Counters& other) {
  enabled = enabled || other.enabled;
  connections += other.connections;
  connections_total += other.connections_total;
  streams_total += other.streams_total;
  stream_resets += other.stream_resets;
  for (std::size_t i = 0; i < goaways_abuse.size(); ++i) goaways_abuse[i] += other.goaways_abuse[i];
  goaways_protocol_error += other.goaways_protocol_error;
  goaways_idle += other.goaways_idle;
}

namespace {

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void series(std::string& out, std::string_view name, std::string_view labels, std::uint64_t value) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.append(" ").append(std::to_string(value)).append("\n");
}

}  // namespace

void render_http2_prometheus(std::string& out, const Http2Counters& c) {
  if (!c.enabled) return;
  family(out, "apigw_http2_connections", "gauge", "Open HTTP/2 client connections.");
  series(out, "apigw_http2_connections", "",
         static_cast<std::uint64_t>(c.connections < 0 ? 0 : c.connections));
  family(out, "apigw_http2_connections_total", "counter", "HTTP/2 client connections accepted.");
  series(out, "apigw_http2_connections_total", "", c.connections_total);
  family(out, "apigw_http2_streams_total", "counter", "HTTP/2 request streams opened by clients.");
  series(out, "apigw_http2_streams_total", "", c.streams_total);
  family(out, "apigw_http2_stream_resets_total", "counter",
         "HTTP/2 streams that ended with RST_STREAM, sent by either side.");
  series(out, "apigw_http2_stream_resets_total", "", c.stream_resets);
  family(out, "apigw_http2_goaways_total", "counter",
         "HTTP/2 connections the gateway closed with GOAWAY, by reason.");
  for (std::size_t i = 0; i < kHttp2AbuseReasons.size(); ++i) {
    series(out, "apigw_http2_goaways_total",
           "reason=\"" + std::string(kHttp2AbuseReasons[i]) + "\"", c.goaways_abuse[i + 1]);
  }
  series(out, "apigw_http2_goaways_total", "reason=\"protocol_error\"", c.goaways_protocol_error);
  series(out, "apigw_http2_goaways_total", "reason=\"idle\"", c.goaways_idle);
}

}  // namespace apigw::observe
