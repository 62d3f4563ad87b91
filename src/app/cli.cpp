#include "app/cli.h"

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "app/build_info.h"
#include "app/convert_command.h"
#include "app/echo_server.h"
#include "app/probe_command.h"
#include "app/gateway.h"
#include "app/listener_tls.h"
#include "config/effective_config.h"
#include "config/loader.h"
#include "snapshot/catalog.h"
#include "tls/server_contexts.h"
#include "tls/upstream_context.h"

namespace apigw::app {
namespace {

constexpr std::string_view kUsage =
    "usage: apigw <command> [options]\n"
    "\n"
    "commands:\n"
    "  run [-c FILE]       run the gateway (default FILE: /etc/apigw/apigw.toml)\n"
    "  check -c FILE       validate FILE; print every error as file:line:col: message\n"
    "  convert FILE        write a config file as YAML (from TOML) or TOML (from YAML)\n"
    "  version             print the version, the commit and the libraries built with\n"
    "  probe [URL]         GET URL (default: the admin listener's /ready); exit 0 on a 2xx\n"
    "  echo-server --listen HOST:PORT [--name NAME] [--record FILE] [--delay MS]\n"
    "                      a small HTTP backend for examples and tests (see docs)\n"
    "\n"
    "apigw <command> --help describes a command.\n";

// `apigw <command> --help`: each command's options.
constexpr std::string_view kRunHelp =
    "usage: apigw run [-c FILE] [--log-level LEVEL] [--log-format FORMAT]\n"
    "\n"
    "Runs the gateway on the config FILE (TOML, or YAML when it ends in .yaml or .yml).\n"
    "Signals: SIGHUP reloads the config (so does a change to the file); SIGTERM or SIGINT\n"
    "drains and exits; SIGUSR1 reopens the access log; SIGUSR2 upgrades the binary: the same\n"
    "path and arguments are started again with the listening sockets, and this process drains\n"
    "once the new one serves (docs/operations.md).\n"
    "\n"
    "options:\n"
    "  -c, --config FILE       the config file (default: /etc/apigw/apigw.toml)\n"
    "  --log-level LEVEL       debug, info, warn or error: the least severe line written to\n"
    "                          stderr (default: [server.error_log] level, else info)\n"
    "  --log-format FORMAT     text, json or logfmt (default: [server.error_log] format, else\n"
    "                          text); either flag makes both the config's settings ignored\n"
    "  -h, --help              this text\n"
    "\n"
    "Environment: APIGW__SECTION__KEY=value overrides a config key; ${VAR} in the file is\n"
    "replaced by the variable's value (docs/config-loading.md). Under systemd (Type=notify,\n"
    "NOTIFY_SOCKET set) it reports READY once listening, and RELOADING/READY around reloads.\n";

constexpr std::string_view kCheckHelp =
    "usage: apigw check -c FILE [--print [--format toml|yaml]]\n"
    "\n"
    "Validates FILE as `run` would load it (environment overrides included, TLS files read) and\n"
    "prints every error as file:line:col: message. Exit status 0 when valid, 1 when not.\n"
    "\n"
    "options:\n"
    "  -c, --config FILE   the config file to check\n"
    "  --print             when valid, print the effective config to stdout: every key with its\n"
    "                      value after defaults, ${VAR} and APIGW__* overrides, secrets redacted\n"
    "  --format FORMAT     what --print writes: toml (the default) or yaml\n"
    "  -h, --help          this text\n";

constexpr std::string_view kEchoHelp =
    "usage: apigw echo-server --listen HOST:PORT [--name NAME] [--record FILE] [--delay MS]\n"
    "                         [--close-after N]\n"
    "\n"
    "A small HTTP backend for examples and tests: answers every request with a JSON description\n"
    "of it (docs/echo-server.md).\n"
    "\n"
    "options:\n"
    "  --listen HOST:PORT  where to listen (required)\n"
    "  --name NAME         the name in its answers (X-Echo-Server, \"server\"; default echo)\n"
    "  --record FILE       append one line per request to FILE\n"
    "  --delay MS          wait this long before every answer\n"
    "  --close-after N     close a connection after its Nth answer, unannounced\n"
    "  -h, --help          this text\n";

bool asks_for_help(const std::vector<std::string>& args) {
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") return true;
  }
  return false;
}

int print(std::string_view text) {
  std::printf("%.*s", static_cast<int>(text.size()), text.data());
  return 0;
}

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

int check_command(const std::string& path, bool print_config, config::ConfigFormat format) {
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
  // With --print, stdout is the effective config alone (a file `apigw check` accepts again).
  std::fprintf(print_config ? stderr : stdout, "%s: ok (%zu upstreams, %zu routes)\n",
               path.c_str(), result.config->upstreams.size(), result.config->routes.size());
  if (print_config) {
    const std::string text =
        config::render_effective_config(*result.config, result.entities, format);
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  return 0;
}

int run_command(const std::string& path, bool log_from_cli, std::vector<std::string> command_line) {
  const snapshot::Catalog registry;
  std::string text;
  auto result =
      config::load_config_file(path, config::Environment::from_process(), registry, nullptr, &text);
  if (!report(result)) return 1;
  Gateway gateway(path, std::move(result), std::move(text), log_from_cli,
                  std::move(command_line));
  return gateway.run();
}

}  // namespace

int main_with_args(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage_error("missing command");
  const std::string command = args[0];
  if (command == "version" || command == "--version") return print(build_info_text());
  if (command == "help" || command == "--help" || command == "-h") {
    const std::string topic = args.size() > 1 ? args[1] : "";
    if (topic == "run") return print(kRunHelp);
    if (topic == "check") return print(kCheckHelp);
    if (topic == "echo-server") return print(kEchoHelp);
    if (topic == "convert") return print(kConvertHelp);
    if (topic == "probe") return print(kProbeHelp);
    return print(kUsage);
  }
  if (asks_for_help(args)) {
    if (command == "run") return print(kRunHelp);
    if (command == "check") return print(kCheckHelp);
    if (command == "echo-server") return print(kEchoHelp);
    if (command == "convert") return print(kConvertHelp);
    if (command == "probe") return print(kProbeHelp);
  }
  if (command == "echo-server") return echo_server_command({args.begin() + 1, args.end()});
  if (command == "convert") return convert_command({args.begin() + 1, args.end()});
  if (command == "probe") return probe_command({args.begin() + 1, args.end()});

  std::string config_path;
  std::optional<util::LogLevel> log_level;
  std::optional<util::LogFormat> log_format;
  bool print_config = false;
  config::ConfigFormat print_format = config::ConfigFormat::toml;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if ((args[i] == "-c" || args[i] == "--config") && i + 1 < args.size()) {
      config_path = args[++i];
    } else if (args[i] == "--print" && command == "check") {
      print_config = true;
    } else if (args[i] == "--format" && i + 1 < args.size() && command == "check") {
      const std::string& format = args[++i];
      if (format != "toml" && format != "yaml") return usage_error("--format must be toml or yaml");
      print_format = format == "yaml" ? config::ConfigFormat::yaml : config::ConfigFormat::toml;
    } else if (args[i] == "--log-level" && i + 1 < args.size() && command == "run") {
      log_level = util::parse_log_level(args[++i]);
      if (!log_level) return usage_error("--log-level must be debug, info, warn or error");
    } else if (args[i] == "--log-format" && i + 1 < args.size() && command == "run") {
      log_format = util::parse_log_format(args[++i]);
      if (!log_format) return usage_error("--log-format must be text, json or logfmt");
    } else {
      return usage_error("unknown option '" + args[i] + "'");
    }
  }
  // Given on the command line, they hold from the first line on and the config's are ignored.
  const bool log_from_cli = log_level || log_format;
  if (log_from_cli) {
    util::configure_log(log_level.value_or(util::LogLevel::info),
                        log_format.value_or(util::LogFormat::text));
  }
  if (command == "check") {
    if (config_path.empty()) return usage_error("check needs -c FILE");
    if (print_format != config::ConfigFormat::toml && !print_config) {
      return usage_error("--format is what --print writes: give --print too");
    }
    return check_command(config_path, print_config, print_format);
  }
  if (command == "run") {
    return run_command(config_path.empty() ? "/etc/apigw/apigw.toml" : config_path, log_from_cli,
                       std::vector<std::string>(argv, argv + argc));
  }
  return usage_error("unknown command '" + command + "'");
}

}  // namespace apigw::app
