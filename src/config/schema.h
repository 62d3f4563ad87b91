// The configuration schema: plain structs with their defaults inline. The TOML loader fills them;
// nothing outside config/ ever sees TOML. Durations are std::chrono, sizes are bytes.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/access_log_fields.h"
#include "config/shared_list.h"
#include "util/log.h"

namespace re2 {
class RE2;
}

namespace apigw::config {

using Duration = std::chrono::milliseconds;

// Where a value came from, for error messages that point at the file ("file:line:col"). For a
// value of an entity written through the admin API or loaded from a store, `file` names the
// entity ("routes/r") and `field` is the value's path inside it ("match.path_prefix").
struct SourcePosition {
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string field;
};

struct ServerLimits {
  std::uint64_t max_header_bytes = 16 * 1024;  // request line + headers -> 431
  std::uint32_t max_header_count = 100;        // -> 431
  std::uint64_t max_uri_bytes = 8 * 1024;      // -> 414
  std::uint64_t max_body_bytes = 64ull << 20;  // -> 413, routes may override
  std::uint32_t max_connections = 10000;       // per worker; beyond it new connections wait
};

struct ServerTimeouts {
  Duration header_read{10'000};  // whole request head must arrive within this (slowloris)
  Duration body_read{30'000};    // max silence between body bytes from the client
  Duration idle{60'000};         // keep-alive connection idle between requests
  Duration drain{30'000};        // on SIGTERM, max wait for in-flight requests
  // Slowest request body accepted, bytes per second (0: none): a body may take body_read plus one
  // second per body_min_rate bytes received (slow-body attacks re-arm body_read forever).
  std::uint64_t body_min_rate = 500;
  // A WebSocket tunnel whose route a change deleted (or whose route no longer allows WebSocket)
  // is closed with 1001 this long after the change (docs/websocket.md).
  Duration websocket_route_grace{10'000};
};

// [server.error_log]: the operational log on stderr (util/log.h).
struct ErrorLogConfig {
  util::LogLevel level = util::LogLevel::info;
  util::LogFormat format = util::LogFormat::text;
};

struct AccessLogConfig {
  bool enabled = false;
  std::string path = "/dev/stdout";  // JSON lines; "/dev/stdout" or a file path
  // What each line holds, in order (access_log_fields.h); empty: the default line.
  std::vector<AccessLogField> fields;
};

// One certificate of a TLS listener ([[server.listeners.tls.certificates]]).
struct TlsCertificateConfig {
  std::string cert;  // PEM file: the leaf first, then its chain
  std::string key;   // PEM file: the leaf's private key (RSA or ECDSA)
  // Server names (SNI) it serves: exact DNS names or "*.example.com" (one label). Empty: the
  // certificate's subjectAltName DNS names (its CN when it has none).
  std::vector<std::string> names;
  // Served when the client sends no SNI or one no certificate names (else the first certificate).
  bool is_default = false;  // key "default"
  // DER OCSP response stapled to handshakes while it is current ("": no stapling); reloaded with
  // the certificate (operators refresh it with `openssl ocsp` or their ACME client's hook).
  std::string ocsp_response;
  SourcePosition position;
};

// TLS termination on a listener ([server.listeners.tls]); docs/tls.md. Defaults: Mozilla's
// "intermediate" profile.
struct ListenerTlsConfig {
  enum class Version { tls1_2, tls1_3 };
  Version min_version = Version::tls1_2;  // "1.2" | "1.3"; the maximum is always TLS 1.3
  // TLS 1.2 cipher list (OpenSSL syntax) and TLS 1.3 cipher suites; the client's order wins.
  std::string ciphers =
      "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
      "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
      "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";
  std::string ciphersuites =
      "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
  std::string groups = "X25519:prime256v1:secp384r1";
  // Session resumption by tickets (the server keeps no session cache). Keys are made in memory
  // and rotated every ticket_key_rotation; a ticket stays valid for two rotations.
  bool session_tickets = true;
  Duration ticket_key_rotation{12 * 3600 * 1000};
  // Keys shared by a cluster instead (80 bytes each: name, HMAC and AES keys, as NGINX's
  // ssl_session_ticket_key); the first encrypts, all decrypt. Reloaded with the certificates.
  std::string ticket_key_file;
  Duration handshake_timeout{10'000};
  // Client certificates (mTLS): none | optional (verified when sent) | require.
  enum class ClientAuth { none, optional, require };
  ClientAuth client_auth = ClientAuth::none;
  std::string client_ca_file;  // PEM bundle the client certificates must chain to
  std::uint32_t client_verify_depth = 3;
  // What the upstream learns of a verified client certificate: nothing, or its subject in
  // X-Client-Cert-Subject (RFC 2253). A client's own X-Client-Cert-Subject is always removed.
  enum class ForwardClientCert { none, subject };
  ForwardClientCert forward_client_cert = ForwardClientCert::none;
  std::vector<TlsCertificateConfig> certificates;
  SourcePosition position;
};

// One address the gateway accepts client connections on: each `listen` entry, then each
// [[server.listeners]] table, in that order.
struct ListenerConfig {
  std::string address;  // "host:port" or "[v6]:port"
  bool proxy_protocol = false;
  // HTTP/2: on a TLS listener offered by ALPN ("h2" before "http/1.1"; default on); on a plain
  // listener spoken by clients with prior knowledge (h2c, default off). HTTP/1.1 always works.
  std::optional<bool> http2;
  std::optional<ListenerTlsConfig> tls;  // absent: plain HTTP
  SourcePosition position;
};

// [server.http2]: the HTTP/2 server's settings and its limits per connection (docs/http2.md).
// Head sizes and counts are [server.limits]'s, the same for both protocols.
struct Http2Config {
  std::uint32_t max_concurrent_streams = 100;  // SETTINGS_MAX_CONCURRENT_STREAMS
  std::uint64_t stream_window = 65'535;        // request body bytes buffered per stream
  std::uint64_t connection_window = 1 << 20;   // ... for all streams of a connection
  // Streams reset by the client or refused by the gateway: a burst, refilled per second
  // (rapid reset, CVE-2023-44487). Beyond it: GOAWAY(ENHANCE_YOUR_CALM).
  std::uint32_t max_resets = 100;
  std::uint32_t reset_rate = 10;
  // SETTINGS, PING, PRIORITY, unknown frames and surplus WINDOW_UPDATEs: a burst, per second.
  std::uint32_t max_control_frames = 1000;
  std::uint32_t control_frame_rate = 100;
  std::uint32_t max_empty_data = 64;  // DATA frames without payload or END_STREAM
  // After this many requests the connection is closed gracefully (GOAWAY); 0: no limit.
  std::uint32_t max_requests_per_connection = 0;
  bool operator==(const Http2Config&) const = default;
};

// Whether a listener speaks HTTP/2 (ListenerConfig::http2's defaults).
inline bool speaks_http2(const ListenerConfig& listener) {
  return listener.http2.value_or(listener.tls.has_value());
}

struct ServerConfig {
  // Plain listeners, as written ("host:port" or "[v6]:port"). Defaults to 127.0.0.1:8080 when
  // neither `listen` nor [[server.listeners]] is given.
  std::vector<std::string> listen{"127.0.0.1:8080"};
  // Every listener: `listen` entries first, then [[server.listeners]] tables. What the gateway
  // binds; filled by the loader.
  std::vector<ListenerConfig> listeners;
  // Peers (CIDR blocks) whose X-Forwarded-For is believed: for their requests the client is the
  // rightmost address in it that is not itself trusted. Empty: the client is always the peer.
  std::vector<std::string> trusted_proxies;
  // Listen addresses (each one of `listen`) whose connections start with a PROXY protocol header
  // (v1 or v2, as HAProxy and cloud load balancers send): the client is the address it names.
  // A connection on such a listener without a valid header is closed.
  std::vector<std::string> proxy_protocol;
  std::uint32_t workers = 0;  // 0: one per core
  ServerLimits limits;
  ServerTimeouts timeouts;
  Http2Config http2;
  AccessLogConfig access_log;
  ErrorLogConfig error_log;
  SourcePosition position;
};

struct AdminConfig {
  std::string listen = "127.0.0.1:9901";
  // Bearer token for /admin/*; empty: no token, allowed only on a loopback listener.
  std::string token;
  SourcePosition position;
};

// Where the entities (upstreams, routes, consumers, ...) live (docs/operations.md). Without a
// [store] table the config file is the truth ("file mode") and the admin API is read-only.
struct StoreConfig {
  enum class Kind { file, sqlite, postgres } kind = Kind::file;
  std::string path;  // sqlite: the database file
  std::string url;   // postgres: a libpq connection URI
  // postgres: the last good entity set, served when the database cannot be reached at start.
  std::string cache_path;
  Duration poll_interval{5'000};  // postgres: revision poll, the fallback to LISTEN/NOTIFY
  Duration retry_max{10'000};     // postgres: longest wait between reconnection attempts
  SourcePosition position;
};

// [tracing]: W3C Trace Context propagation and OTLP/HTTP export (docs/observability.md).
struct TracingConfig {
  bool enabled = false;                // set by the section's presence
  std::string otlp_endpoint;           // http(s)://host[:port]/path, e.g. .../v1/traces
  double sample_ratio = 0.01;          // of traces the gateway starts (callers' flags are followed)
  std::string service_name = "apigw";  // the resource's service.name
  Duration export_timeout{5'000};      // one export request
  Duration flush_interval{1'000};      // longest a span waits to be sent
  std::uint32_t batch_size = 512;      // spans per export request at most
  std::uint32_t queue_size = 2048;     // spans waiting per worker; more are dropped (restart)
  std::vector<std::pair<std::string, std::string>> headers;  // sent with each export
  std::string ca_file;                 // for an https endpoint; empty: the system's CAs
  SourcePosition position;
};

// The Redis server that state shared across nodes lives in (rate-limit counters, revocations,
// sessions); each worker keeps its own client (store/redis/). Off unless the file has a [redis]
// table. `host`, `port`, `db`, `username` and `password` come from `url` (the `password` key may
// supply the password instead, e.g. from ${VAR}).
struct RedisConfig {
  bool enabled = false;
  std::string url;  // redis://[user:password@]host[:port][/db], as written
  std::string host;
  std::uint16_t port = 6379;
  std::uint32_t db = 0;
  std::string username;             // empty: AUTH with the password alone
  std::string password;             // empty: no AUTH
  Duration timeout{1'000};          // per command, from issue to reply
  Duration connect_timeout{1'000};  // TCP connect, AUTH and SELECT together
  Duration reconnect_max{5'000};    // longest wait between connection attempts (from 100 ms, x2)
  std::uint32_t pool_size = 2;      // connections per worker
  SourcePosition position;
};

// What every stored entity has besides its name: a stable id (UUID) and free-form tags.
struct EntityMeta {
  std::string id;  // empty in a file: derived from the entity's kind and name
  std::vector<std::string> tags;
};

struct TargetConfig {
  std::string address;  // "host:port", "[v6]:port"; host may be a DNS name
  std::uint32_t weight = 1;
  bool backup = false;  // gets traffic only when no primary target is usable
  // Taking it out of rotation by hand: no new request or tunnel goes to it; those in flight
  // finish (the step before removing it).
  bool drain = false;
  // Its health set by hand, overriding the health checks: `healthy` keeps it in rotation whatever
  // the checks say (outlier ejection and its circuit breaker still apply), `unhealthy` keeps it
  // out. `automatic` (written "auto"): the checks decide.
  enum class Health : std::uint8_t { automatic, healthy, unhealthy } health = Health::automatic;
  SourcePosition position;
};
// "auto", "healthy" or "unhealthy", as the config writes it.
inline std::string_view target_health_name(TargetConfig::Health health) {
  switch (health) {
    case TargetConfig::Health::healthy:
      return "healthy";
    case TargetConfig::Health::unhealthy:
      return "unhealthy";
    case TargetConfig::Health::automatic:
      break;
  }
  return "auto";
}


// How a request's target is chosen among an upstream's usable targets (docs/load-balancing.md).
enum class BalancerKind {
  round_robin,
  weighted_round_robin,  // smooth weighted round robin (NGINX's interleaving)
  least_connections,     // fewest in-flight requests per unit of weight, across all workers
  least_request_p2c,     // the less loaded of two random targets
  consistent_hash,       // a ring hash over `hash_on`
};

// What consistent_hash hashes.
struct HashOn {
  enum class Kind { client_ip, header, cookie, param } kind = Kind::client_ip;
  std::string name;  // header, cookie or path parameter name
};

// Active health checking: a probe per target every `interval`, off the workers
// (docs/resilience.md). Off unless the upstream has a `health_check` table.
struct HealthCheckConfig {
  bool enabled = false;
  enum class Kind { http, tcp } kind = Kind::http;
  std::string path = "/";  // http: request target of the probe
  std::string method = "GET";
  std::string host;  // http: Host header; empty: the target's address
  std::vector<std::pair<int, int>> expected_statuses{{200, 399}};  // inclusive ranges
  std::string body_contains;  // http: the body must contain this (if not empty)
  Duration interval{5'000};
  Duration timeout{1'000};
  std::uint32_t healthy_threshold = 2;    // successes in a row that bring a target back
  std::uint32_t unhealthy_threshold = 3;  // failures in a row that take it out
};

// Circuit breaker per target, and a concurrency limit per upstream (docs/resilience.md). The
// breaker is off unless the upstream has a `circuit_breaker` table.
struct CircuitBreakerConfig {
  bool enabled = false;
  // Which breakers: one per target (default), one for the upstream as a whole, or both.
  enum class Scope { target, upstream, both } scope = Scope::target;
  std::uint32_t failure_rate = 50;         // % of failed calls in the window that opens it; 0: off
  std::uint32_t slow_call_rate = 0;        // % of slow calls in the window that opens it; 0: off
  Duration slow_call_duration{1'000};      // a call longer than this is slow
  Duration window{10'000};                 // rolling window of the rates
  std::uint32_t minimum_calls = 20;        // the rates apply once the window has this many calls
  std::uint32_t consecutive_failures = 0;  // failures in a row that open it; 0: off
  Duration open_duration{30'000};          // open, then half-open
  std::uint32_t half_open_calls = 3;       // trial calls in half-open; all must succeed to close
  std::uint32_t max_in_flight = 0;         // requests in flight to the upstream; 0: no limit
  std::uint32_t max_connections = 0;       // open connections to the upstream; 0: no limit
  std::uint32_t max_pending = 0;           // requests waiting for a new connection; 0: no limit
};

// Passive health checking: targets that keep failing are taken out of rotation for a while
// (docs/resilience.md). Two instances per upstream, one rule: `outlier_detection` counts every
// failure (connect failures, resets, timeouts, 5xx) and is off unless configured;
// `connect_failure_ejection` counts only failed connections and is on by default, so that a dead
// target leaves rotation at its first refusal, as with NGINX's max_fails=1.
struct OutlierDetectionConfig {
  bool enabled = false;
  std::uint32_t consecutive_failures = 5;  // failures in a row that eject the target
  Duration base_ejection_time{30'000};     // the n-th ejection lasts n × base, up to max
  Duration max_ejection_time{300'000};
  std::uint32_t max_ejection_percent = 50;  // never eject more of the targets than this
};

inline OutlierDetectionConfig default_connect_failure_ejection() {
  return {.enabled = true,
          .consecutive_failures = 1,
          .base_ejection_time = Duration{1'000},
          .max_ejection_time = Duration{30'000},
          .max_ejection_percent = 50};
}

// TLS to an upstream's targets ([upstreams.tls] or `tls = { ... }`; docs/tls.md "TLS to
// upstreams"). Present: every connection to the upstream's targets speaks TLS. Files are checked
// to be readable at load and parsed when the snapshot is built (src/tls/upstream_context.h).
struct UpstreamTlsConfig {
  bool verify = true;   // false: any certificate is accepted (a warning at load; tests only)
  std::string ca_file;  // PEM bundle the targets' certificates must chain to; "": the system store
  // The name sent as SNI and checked against the certificate; "": the target's host when it is a
  // DNS name (an IP target sends no SNI and its IP is checked against the IP SANs).
  std::string server_name;
  std::string client_cert;  // PEM certificate (and chain) presented to the targets; with client_key
  std::string client_key;
  ListenerTlsConfig::Version min_version = ListenerTlsConfig::Version::tls1_2;
  SourcePosition position;
};

// How the Host header sent upstream is chosen.
enum class HostHeaderMode { preserve, target, fixed };

// What the gateway speaks to an upstream's targets: HTTP/1.1 on pooled connections, or HTTP/2
// (over TLS with ALPN h2, or h2c with prior knowledge) with streams multiplexed on few
// connections; gRPC needs h2.
enum class UpstreamProtocol : std::uint8_t { http1, h2 };

struct UpstreamConfig {
  std::string name;
  UpstreamProtocol protocol = UpstreamProtocol::http1;
  std::vector<TargetConfig> targets;
  Duration connect_timeout{2'000};
  Duration request_timeout{60'000};       // from request sent to response head received
  std::uint32_t keepalive_max_idle = 64;  // idle pooled connections per target per worker
  Duration keepalive_idle_timeout{60'000};
  HostHeaderMode host_header = HostHeaderMode::preserve;
  std::string host_header_value;      // for HostHeaderMode::fixed
  Duration resolve_interval{30'000};  // DNS re-resolution of named targets
  BalancerKind balancer = BalancerKind::round_robin;
  OutlierDetectionConfig outlier_detection;
  OutlierDetectionConfig connect_failure_ejection = default_connect_failure_ejection();
  CircuitBreakerConfig circuit_breaker;
  HealthCheckConfig health_check;
  HashOn hash_on;                        // for BalancerKind::consistent_hash
  std::optional<UpstreamTlsConfig> tls;  // absent: plain HTTP to the targets
  EntityMeta meta;
  SourcePosition position;
};

enum class PathMatchKind { prefix, exact, templated, regex };

// One path a route matches. A regex is compiled once, when the config is read, and shared by every
// snapshot that keeps the route (entities are immutable; docs/routing.md).
struct PathMatch {
  PathMatchKind kind = PathMatchKind::prefix;
  std::string value = "/";  // prefix, exact path, template "/users/{id}" or the regex as written
  std::shared_ptr<const re2::RE2> regex;  // for PathMatchKind::regex: anchored at both ends
};

// A condition on a request header, query parameter or cookie (docs/routing.md).
struct ValuePredicate {
  std::string name;  // header names lower-case; query and cookie names as written
  enum class Kind { exact, prefix, regex, present, absent } kind = Kind::present;
  std::string value;                      // exact, prefix, or the regex as written
  std::shared_ptr<const re2::RE2> regex;  // for Kind::regex: anchored at both ends
};
using HeaderPredicate = ValuePredicate;

struct RouteMatch {
  std::vector<std::string> hosts;             // exact "api.example.com" or wildcard "*.example.com"
  std::vector<std::string> methods;           // upper-case; empty: any
  std::vector<PathMatch> paths{PathMatch{}};  // never empty; the route matches any of them
  std::vector<ValuePredicate> headers;
  std::vector<ValuePredicate> query;
  std::vector<ValuePredicate> cookies;
};

struct RewriteConfig {
  enum class Kind { none, strip_prefix, replace_prefix, templated } kind = Kind::none;
  std::string value;  // prefix to strip, replacement prefix, or template "/u/{id}"
};

// One entry of a route's filters list: a registered filter name and its raw settings, already
// parsed into the filter's own config by the filter registry at load time.
struct FilterRef {
  std::string name;
  std::shared_ptr<const void> settings;  // the filter's (or handler's) config, from its parser
  SourcePosition position;
};

// Retries of a failed attempt on another target (docs/resilience.md).
struct RetryConfig {
  std::uint32_t attempts = 1;  // tries in all, the first included; 1: no retry
  bool on_connect_failure = true;
  bool on_reset = true;
  bool on_timeout = false;  // connect timeout, or no response within per_try_timeout
  std::vector<int> on_statuses{502, 503, 504};
  std::optional<Duration> per_try_timeout;  // default: the route's timeout
  Duration backoff_base{25};                // full jitter: wait random(0, min(max, base * 2^n))
  Duration backoff_max{250};
  bool non_idempotent = false;             // POST, PATCH and others are never retried unless set
  std::uint64_t replay_limit = 64 * 1024;  // larger request bodies are not buffered for a retry
  std::uint32_t budget_percent = 20;       // retries in flight at most this % of active requests
  std::uint32_t budget_min = 3;            // ... or this many, whichever is more
  // A try that failed before any byte reached the upstream moves to another target at once,
  // whatever the method and outside `attempts` and the budget.
  bool failover = true;
};

// What a route answers when its upstream cannot (docs/resilience.md): the last good response of
// the same GET (stale_if_error), a fallback upstream, or a fixed response. Off unless the route
// has a `fallback` table.
struct FallbackConfig {
  bool enabled = false;
  Duration stale_if_error{0};  // 0: off; else serve a cached 200 GET response this old at most
  std::uint64_t stale_max_body = 64 * 1024;  // larger responses are not cached
  std::string upstream;                      // fallback upstream; empty: none
  int status = 0;                            // fixed response; 0: none
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// One arm of a route's weighted split: an upstream and its share of the route's requests.
struct UpstreamWeight {
  std::string name;
  std::uint32_t weight = 1;  // 0-1000; an arm of weight 0 gets nothing
};

// Copies of a route's requests sent to a shadow upstream, fire and forget: the client's answer
// never waits for them (docs/configuration.md, "Mirroring"). Off unless the route has `mirror`.
struct MirrorConfig {
  std::string upstream;
  double percent = 100;                      // share of the route's requests copied, 0-100
  std::uint64_t max_body_bytes = 64 * 1024;  // larger bodies, or bodies still streaming: not copied
  Duration timeout{2'000};                   // from taking a connection to the response's end
};

// Which upstreams a route with `upstream = "{param}"` may send a request to: those named in
// `allow` and those tagged `tag` (docs/routing.md, "Service routing"). Anything else the
// path names is answered 404.
struct ServiceSelection {
  std::vector<std::string> allow;
  std::string tag;
};

// WebSocket tunnels of a route: `[routes.websocket]`, or `websocket = false` (docs/websocket.md).
struct WebSocketConfig {
  bool enabled = true;                         // false: an upgrade is proxied as a plain request
  Duration idle_timeout{600'000};              // no frame either way this long: close 1001
  Duration ping_interval{0};                   // client silent this long: ping it (0: never)
  std::uint64_t max_message_size = 16 << 20;   // data bytes of one message: beyond, close 1009
  std::uint32_t max_connections = 0;           // open tunnels of the route, node-wide (0: any)
  std::optional<Duration> max_duration;        // a tunnel's whole life: then close 1001
};

struct RouteConfig {
  std::string name;
  RouteMatch match;
  std::string upstream;  // the route proxies to this upstream, or
  // (`upstream = "{service}"`) to the upstream a path parameter names, among `services`; or
  // splits its requests among these by weight (docs/configuration.md, "Weighted splits"), or
  std::vector<UpstreamWeight> upstreams;
  std::string upstream_param;  // "service" for `upstream = "{service}"`; empty otherwise
  ServiceSelection services;
  // the gateway answers it itself with this handler (static, redirect; docs/configuration.md)
  std::optional<FilterRef> handler;
  // With `upstreams`: the request key that keeps a client on one arm; none: each request is drawn.
  std::optional<HashOn> sticky;
  RewriteConfig rewrite;
  std::optional<Duration> timeout;  // overrides upstream request_timeout
  std::optional<std::uint64_t> max_body_bytes;
  // The largest body a filter may hold whole (BodyNeeds), either way: beyond it a request is
  // answered 413 and a response 502. Routes whose filters hold no body stream without limit.
  std::uint64_t max_buffered_body_bytes = 1 << 20;
  RetryConfig retry;
  FallbackConfig fallback;
  std::optional<MirrorConfig> mirror;
  WebSocketConfig websocket;
  std::vector<FilterRef> filters;
  EntityMeta meta;
  SourcePosition position;
};

// A client of the APIs behind the gateway, identified by its credentials.
struct ConsumerConfig {
  std::string name;
  std::string custom_id;  // the consumer's id in another system, if any
  EntityMeta meta;
  SourcePosition position;
};

// An API key or a username/password of a consumer. Only a hash of the secret is kept:
// "sha256:<hex>" for API keys (long random strings: a fast hash suffices and allows lookup),
// "scrypt$..." with a salt for passwords.
struct CredentialConfig {
  std::string name;
  std::string consumer;
  enum class Kind { api_key, password } kind = Kind::api_key;
  std::string secret_hash;
  EntityMeta meta;
  SourcePosition position;
};

// A filter configured outside a route's own `filters` list: for every route (global), for the
// routes of one upstream, or for one route.
struct PluginConfig {
  std::string name;
  std::string route;     // attached to this route, or
  std::string upstream;  // to every route of this upstream; neither: global
  bool enabled = true;
  FilterRef filter;  // filter name and its parsed `config`
  EntityMeta meta;
  SourcePosition position;
};

// A rate-limit rule: `limit` requests per `window` for each key, on one route or all of them.
struct RateLimitConfig {
  std::string name;
  std::string route;     // empty: every route
  std::string consumer;  // empty: every consumer
  enum class Algorithm { token_bucket, sliding_window } algorithm = Algorithm::token_bucket;
  std::uint32_t limit = 0;
  Duration window{1'000};
  std::uint32_t burst = 0;  // token_bucket: extra tokens above `limit`
  enum class Key { client_ip, consumer, header } key = Key::client_ip;
  std::string key_header;  // for Key::header, lower-case
  enum class Scope { local, cluster } scope = Scope::local;
  EntityMeta meta;
  SourcePosition position;
};

struct Config {
  ServerConfig server;
  AdminConfig admin;
  StoreConfig store;
  RedisConfig redis;
  TracingConfig tracing;
  SharedList<UpstreamConfig> upstreams;
  SharedList<RouteConfig> routes;
  SharedList<ConsumerConfig> consumers;
  SharedList<CredentialConfig> credentials;
  SharedList<PluginConfig> plugins;
  SharedList<RateLimitConfig> rate_limits;
  std::string source_file;
};

}  // namespace apigw::config
