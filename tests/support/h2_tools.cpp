#include "support/h2_tools.h"

#include <cstdlib>

#include "support/process.h"
#include "support/temp_dir.h"

namespace apigw::test {

JsonRun run_json_tool(const std::string& script, const std::vector<std::string>& args,
                      std::chrono::seconds timeout) {
  std::vector<std::string> argv = {"/usr/bin/python3",
                                   std::string(APIGW_SOURCE_DIR) + "/" + script};
  argv.insert(argv.end(), args.begin(), args.end());
  const CommandResult result = run_command(argv, timeout);
  JsonRun run{result.exit_code, {}, result.output};
  const std::size_t start = result.output.rfind("\n{");
  const std::string text = result.output.substr(start == std::string::npos ? 0 : start + 1);
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(text, ec);
  if (!ec && value.is_object()) run.json = value.as_object();
  return run;
}

namespace {

const boost::json::value* at_path(const boost::json::object& object, const std::string& path) {
  const boost::json::object* current = &object;
  std::size_t from = 0;
  for (;;) {
    const std::size_t dot = path.find('.', from);
    const auto found = current->find(path.substr(from, dot - from));
    if (found == current->end()) return nullptr;
    if (dot == std::string::npos) return &found->value();
    if (!found->value().is_object()) return nullptr;
    current = &found->value().as_object();
    from = dot + 1;
  }
}

}  // namespace

double json_number(const boost::json::object& object, const std::string& path, double fallback) {
  const boost::json::value* value = at_path(object, path);
  if (value == nullptr || !value->is_number()) return fallback;
  return value->to_number<double>();
}

std::string json_text(const boost::json::object& object, const std::string& path) {
  const boost::json::value* value = at_path(object, path);
  if (value == nullptr || !value->is_string()) return "";
  return std::string(value->as_string());
}

std::vector<std::string> rss_measuring_env() {
  const char* current = std::getenv("ASAN_OPTIONS");
  std::string options = current != nullptr ? current : "";
  if (!options.empty()) options += ":";
  return {"ASAN_OPTIONS=" + options + "quarantine_size_mb=0:thread_local_quarantine_size_kb=0"};
}

H2Listeners::H2Listeners(const std::string& dir)
    : certificates(make_test_certificates(dir)), tls_port(free_port()) {}

std::string h2_gateway_config(const H2Listeners& listeners, const std::string& backend_address,
                              const std::string& server_extra, const std::string& routes) {
  return R"(
[server]
workers = 1
)" + server_extra +
         R"(
[[server.listeners]]
address = "127.0.0.1:{port}"
http2 = true
[[server.listeners]]
address = "127.0.0.1:)" +
         std::to_string(listeners.tls_port) + R"("
[[server.listeners.tls.certificates]]
cert = ")" +
         listeners.certificates.cert_file +
         R"("
key = ")" +
         listeners.certificates.key_file +
         R"("
[admin]
listen = "127.0.0.1:{admin_port}"
[[upstreams]]
name = "pool"
targets = [{ address = ")" +
         backend_address + R"(" }]
connect_timeout = "1s"
)" +
         (routes.empty() ? R"(
[[routes]]
name = "all"
match = { path_prefix = "/" }
upstream = "pool"
)"
                         : routes);
}

}  // namespace apigw::test
