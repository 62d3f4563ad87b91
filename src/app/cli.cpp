#include "app/cli.h"

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "app/echo_server.h"
#include "app/gateway.h"
#include "app/listener_tls.h"
#include "config/loader.h"
#include "snapshot/catalog.h"
#include "tls/server_contexts.h"
#include "tls/upstream_context.h"

namespace apigw::app {
namespace {

constexpr std::string_view kVersion = "0.1.0";

constexpr std::string_view kUsage =
    "usage: apigw <command> [options]\n"
    "\n"
    "commands:\n"
    "  run [-c FILE]       run the gateway (default FILE: /etc/apigw/apigw.toml)\n"
    "  check -c FILE       validate FILE; print every error as file:line:col: message\n"
    "  version             print the version\n"
    "  echo-server --listen HOST:PORT [--name NAME] [--record FILE] [--delay MS]\n"
    "                      a small HTTP backend for examples and tests (see docs)\n";

int usage_error(std::string_view message) {
  std::fprintf(stderr, "apigw: %.*s\n\n%.*s", static_cast<int>(message.size()), message.data(),
               static_cast<int>(kUsage.size()), kUsage.data());
  return 2;
}

// Prints the loader's errors; returns whether the config is valid.
bool report(const config::LoadResult& result) {
  for (const auto& error : result.errors) std::fprintf(stderr, "%s\n", error.to_string().c_str());
  return result.errors.empty();
}

int check_command(const std::string& path) {
  const snapshot::Catalog registry;
  const auto result = config::load_config_file(path, config::Environment::from_process(), registry);
  if (!report(result)) return 1;
  // The certificate, key and CA files of TLS listeners are read when the listener is built: build
  // them here too, so that a missing or mismatched file fails the check and not the start.
  bool files_ok = true;
  for (const auto& listener : result.config->server.listeners) {
    if (!listener.tls) continue;
    const tls::ServerContextsResult built = tls::build_server_contexts(
        *listener.tls, ListenerTls::alpn_protocols(listener), nullptr, nullptr);
    if (built) continue;
    const config::SourcePosition& at = listener.tls->position;
    std::fprintf(stderr, "%s:%u:%u: listener %s: %s\n", at.file.c_str(), at.line, at.column,
                 listener.address.c_str(), built.error.c_str());
    files_ok = false;
  }
  // The upstreams' TLS files are parsed as a snapshot build parses them: a running gateway keeps
  // serving with an upstream whose TLS is unusable (answering it 502), a check refuses it.
  for (const auto& upstream : result.config->upstreams) {
    if (!upstream.tls) continue;
    std::vector<std::string> warnings;
    const auto context =
        tls::build_upstream_context(*upstream.tls, upstream.name, nullptr, warnings);
    for (const auto& warning : warnings)
      std::fprintf(stderr, "%s: %s\n", path.c_str(), warning.c_str());
    files_ok = files_ok && context->context() != nullptr;
  }
  if (!files_ok) return 1;
  std::printf("%s: ok (%zu upstreams, %zu routes)\n", path.c_str(), result.config->upstreams.size(),
              result.config->routes.size());
  return 0;
}

int run_command(const std::string& path) {
  const snapshot::Catalog registry;
  std::string text;
  auto result =
      config::load_config_file(path, config::Environment::from_process(), registry, nullptr, &text);
  if (!report(result)) return 1;
  Gateway gateway(path, std::move(result), std::move(text));
  return gateway.run();
}

}  // namespace

int main_with_args(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage_error("missing command");
  const std::string command = args[0];
  if (command == "version" || command == "--version") {
    std::printf("apigw %.*s\n", static_cast<int>(kVersion.size()), kVersion.data());
    return 0;
  }
  if (command == "help" || command == "--help" || command == "-h") {
    std::printf("%.*s", static_cast<int>(kUsage.size()), kUsage.data());
    return 0;
  }
  if (command == "echo-server") return echo_server_command({args.begin() + 1, args.end()});

  std::string config_path;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if ((args[i] == "-c" || args[i] == "--config") && i + 1 < args.size()) {
      config_path = args[++i];
    } else {
      return usage_error("unknown option '" + args[i] + "'");
    }
  }
  if (command == "check") {
    if (config_path.empty()) return usage_error("check needs -c FILE");
    return check_command(config_path);
  }
  if (command == "run") {
    return run_command(config_path.empty() ? "/etc/apigw/apigw.toml" : config_path);
  }
  return usage_error("unknown command '" + command + "'");
}

}  // namespace apigw::app
