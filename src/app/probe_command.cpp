#include "app/probe_command.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "store/http/http_client.h"
#include "store/http/url.h"

namespace apigw::app {

const char* const kProbeHelp =
    "usage: apigw probe [URL] [--timeout MS]\n"
    "\n"
    "Sends GET URL and exits 0 when the answer is 2xx, 1 when it is not or none came (printing\n"
    "the status line or the reason). For container health checks: the image has no curl.\n"
    "\n"
    "options:\n"
    "  URL            http://HOST:PORT/PATH (default: http://127.0.0.1:9901/ready, the admin\n"
    "                 listener's readiness)\n"
    "  --timeout MS   for connecting and for the answer together (default: 2000)\n"
    "  -h, --help     this text\n";

namespace {

namespace http = store::http;

// One GET with the project's outbound client (store/http), on an io_context of its own.
int probe(const std::string& url, std::chrono::milliseconds timeout) {
  boost::asio::io_context context(1);
  http::HttpClient client(context, {.max_idle_per_origin = 0});
  std::optional<http::HttpResult> result;
  http::HttpRequest request;
  request.url = url;
  request.headers = {{"User-Agent", "apigw-probe"}};
  request.timeout = timeout;
  request.connect_timeout = timeout;
  request.max_body_bytes = 64 * 1024;
  boost::asio::co_spawn(
      context, client.request(std::move(request)),
      [&result](std::exception_ptr, http::HttpResult answer) { result = std::move(answer); });
  context.run();
  if (!result) {
    std::printf("no answer\n");
    return 1;
  }
  if (!*result) {
    const http::HttpError& error = result->error();
    std::printf("%s: %s\n",
                error.kind == http::ErrorKind::connect ? "cannot connect"
                                                       : std::string(to_string(error.kind)).c_str(),
                error.message.c_str());
    return 1;
  }
  const http::HttpResponse& response = **result;
  std::printf("HTTP/1.1 %d %s\n", response.status, response.reason.c_str());
  return response.status >= 200 && response.status < 300 ? 0 : 1;
}

}  // namespace

int probe_command(const std::vector<std::string>& args) {
  std::string url = "http://127.0.0.1:9901/ready";
  long timeout_ms = 2000;
  bool url_given = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--timeout" && i + 1 < args.size()) {
      char* end = nullptr;
      timeout_ms = std::strtol(args[++i].c_str(), &end, 10);
      if (*end != '\0' || timeout_ms <= 0 || timeout_ms > 600000) {
        std::fprintf(stderr, "apigw probe: --timeout must be milliseconds, 1 to 600000\n");
        return 2;
      }
    } else if (!url_given && !args[i].starts_with("-")) {
      url = args[i];
      url_given = true;
    } else {
      std::fprintf(stderr, "apigw probe: unknown option '%s'\n\n%s", args[i].c_str(), kProbeHelp);
      return 2;
    }
  }
  // http:// only: what it probes is the admin listener, which speaks no TLS.
  const auto parsed = http::parse_url(url);
  if (!parsed || parsed->tls) {
    std::fprintf(stderr, "apigw probe: '%s' is not an http://HOST:PORT/PATH URL\n", url.c_str());
    return 2;
  }
  return probe(url, std::chrono::milliseconds(timeout_ms));
}

}  // namespace apigw::app
