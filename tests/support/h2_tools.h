// The Python HTTP/2 tools the HTTP/2 integration tests drive (tests/support/h2_attacks.py,
// h2_request.py, tests/conformance/h2spec_cases.py), run with Debian's /usr/bin/python3 (the one
// with python3-h2/hpack), and a gateway config with an h2c and a TLS listener in front of one
// backend.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "support/test_certificates.h"

namespace apigw::test {

struct JsonRun {
  int exit_code = -1;
  boost::json::object json;  // the object the tool printed (empty if none parsed)
  std::string output;        // its stdout, for failure messages
};

// Runs `script` (a path under the source tree, e.g. "tests/support/h2_attacks.py") with `args`
// and parses the JSON object it printed last.
JsonRun run_json_tool(const std::string& script, const std::vector<std::string>& args,
                      std::chrono::seconds timeout = std::chrono::seconds(60));

// A number in a JSON object by path ("goaway.error_code"); `fallback` when absent or null.
double json_number(const boost::json::object& object, const std::string& path,
                   double fallback = -1);
// The same for text ("goaway.error"); "" when absent or null.
std::string json_text(const boost::json::object& object, const std::string& path);

// The environment for a gateway whose RSS a test measures: under AddressSanitizer, freed memory
// waits in a quarantine (256 MB by default) and RSS grows with every allocation a flood makes,
// whether or not anything is kept; this turns the quarantine off (the other ASAN_OPTIONS stay).
// Harmless without the sanitizer.
std::vector<std::string> rss_measuring_env();

// Both listeners of h2_gateway_config: {port} speaks h2c (prior knowledge, and HTTP/1.1), the
// TLS one ALPN h2 with a certificate for 127.0.0.1 and localhost from a throw-away CA.
struct H2Listeners {
  explicit H2Listeners(const std::string& dir);
  TestCertificates certificates;
  int tls_port;
};

// [server] with one worker and `server_extra` (e.g. [server.timeouts] tables), the two listeners,
// the admin listener, an upstream "pool" of `backend_address`, and a catch-all route. `routes`
// replaces the catch-all route when given (TOML [[routes]] tables that name "pool" or others).
std::string h2_gateway_config(const H2Listeners& listeners, const std::string& backend_address,
                              const std::string& server_extra = "", const std::string& routes = "");

}  // namespace apigw::test
