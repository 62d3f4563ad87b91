// TOML tree -> TracingConfig for [tracing]. Every check of the section is local to it, so all of
// them are made here, each reported at the offending key.
#include <toml++/toml.h>

#include "config/detail.h"
#include "config/reader.h"

namespace apigw::config::detail {
namespace {

// A batch bigger than this is a request body of megabytes; a queue bigger holds minutes of spans.
constexpr std::uint32_t kMaxBatchSize = 10'000;
constexpr std::uint32_t kMaxQueueSize = 1'000'000;

const FieldTable<TracingConfig> kTracingFields = {
    {"service_name", &TracingConfig::service_name},
    {"export_timeout", &TracingConfig::export_timeout},
    {"flush_interval", &TracingConfig::flush_interval},
    {"batch_size", &TracingConfig::batch_size},
    {"queue_size", &TracingConfig::queue_size},
    {"ca_file", &TracingConfig::ca_file},
};

// "http://host[:port]/path" or "https://...": a scheme, a host, and nothing a request line
// could not carry.
bool is_export_url(std::string_view url) {
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else {
    return false;
  }
  if (rest.empty() || rest.front() == '/' || rest.front() == ':') return false;
  for (const char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

TracingConfig convert_tracing(const toml::table& table, LoadContext& ctx) {
  TracingConfig tracing;
  tracing.enabled = true;
  TableReader reader(table, "tracing",
                     kTracingFields.keys({"otlp_endpoint", "sample_ratio", "headers"}), ctx);
  tracing.position = reader.position();
  const auto at = [&](std::string_view key) {
    return ctx.positions().at(reader.path_of(key), tracing.position);
  };
  if (reader.read_string("otlp_endpoint", tracing.otlp_endpoint, Presence::required) &&
      !is_export_url(tracing.otlp_endpoint)) {
    ctx.error(at("otlp_endpoint"),
              "'otlp_endpoint' must be an http:// or https:// URL with a host, such as "
              "\"http://127.0.0.1:4318/v1/traces\"");
  }
  if (const toml::node* ratio = reader.find("sample_ratio")) {
    if (const auto* integer = ratio->as_integer()) {
      tracing.sample_ratio = static_cast<double>(integer->get());
    } else if (const auto* real = ratio->as_floating_point()) {
      tracing.sample_ratio = real->get();
    } else {
      ctx.error(*ratio, "'sample_ratio' must be a number from 0 to 1");
      tracing.sample_ratio = 0;
    }
    if (!(tracing.sample_ratio >= 0 && tracing.sample_ratio <= 1)) {
      ctx.error(*ratio, "'sample_ratio' must be from 0 to 1 (0.01 samples one trace in 100)");
    }
  }
  reader.read_string_table("headers", tracing.headers);
  kTracingFields.read(reader, tracing);
  const std::pair<std::string_view, Duration> durations[] = {
      {"export_timeout", tracing.export_timeout},
      {"flush_interval", tracing.flush_interval},
  };
  for (const auto& [key, value] : durations) {
    if (value.count() <= 0)
      ctx.error(at(key), "'" + std::string(key) + "' must be greater than zero");
  }
  if (tracing.batch_size == 0 || tracing.batch_size > kMaxBatchSize) {
    ctx.error(at("batch_size"),
              "'batch_size' must be 1 to " + std::to_string(kMaxBatchSize) + " (spans per export)");
  }
  if (tracing.queue_size < 2 || tracing.queue_size > kMaxQueueSize) {
    ctx.error(at("queue_size"), "'queue_size' must be 2 to " + std::to_string(kMaxQueueSize) +
                                    " (spans waiting per worker)");
  }
  if (tracing.service_name.empty()) ctx.error(at("service_name"), "'service_name' must not be empty");
  return tracing;
}

}  // namespace apigw::config::detail
