#include "app/convert_command.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/loader.h"
#include "config/toml_writer.h"
#include "config/yaml_writer.h"

namespace apigw::app {

const char* const kConvertHelp =
    "usage: apigw convert FILE [--to toml|yaml] [-o OUT]\n"
    "\n"
    "Writes the config FILE in the other syntax: a .yaml or .yml file as TOML, anything else as\n"
    "YAML (--to chooses). The file is converted as written: ${VAR} stays as it is, no default is\n"
    "added and no environment override applied (apigw check --print shows those). Comments are\n"
    "not carried over. The result is read back and compared before it is written.\n"
    "\n"
    "options:\n"
    "  --to FORMAT    toml or yaml (default: the other one)\n"
    "  -o, --output OUT  write to OUT (default: stdout)\n"
    "  -h, --help     this text\n";

namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "apigw convert: %s\n", message.c_str());
  return 1;
}

int usage(const std::string& message) {
  std::fprintf(stderr, "apigw convert: %s\n\n%s", message.c_str(), kConvertHelp);
  return 2;
}

}  // namespace

int convert_command(const std::vector<std::string>& args) {
  std::string input;
  std::string output;
  std::string to;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--to" && i + 1 < args.size()) {
      to = args[++i];
      if (to != "toml" && to != "yaml") return usage("--to must be toml or yaml");
    } else if ((args[i] == "-o" || args[i] == "--output") && i + 1 < args.size()) {
      output = args[++i];
    } else if (input.empty() && !args[i].starts_with("-")) {
      input = args[i];
    } else {
      return usage("unknown option '" + args[i] + "'");
    }
  }
  if (input.empty()) return usage("convert needs a FILE");
  const bool from_yaml = config::is_yaml_file(input);
  if (to.empty()) to = from_yaml ? "toml" : "yaml";

  std::string text;
  if (const auto error = config::read_config_file(input, text)) {
    std::fprintf(stderr, "%s\n", error->to_string().c_str());
    return 1;
  }
  toml::table root;
  config::NodePositions positions;
  std::vector<config::ConfigError> errors;
  if (!config::parse_config_document(text, input, root, positions, errors)) {
    for (const auto& error : errors) std::fprintf(stderr, "%s\n", error.to_string().c_str());
    return 1;
  }

  std::ostringstream written;
  if (to == "yaml") {
    written << "# converted from " << input << " by apigw convert\n";
    config::write_yaml(written, root);
  } else {
    written << "# converted from " << input << " by apigw convert\n\n";
    config::write_toml(written, root);
    written << "\n";
  }
  // Read back as the format written: the same tree, or the conversion lost something.
  toml::table again;
  config::NodePositions again_positions;
  errors.clear();
  const std::string name = to == "yaml" ? "converted.yaml" : "converted.toml";
  if (!config::parse_config_document(written.str(), name, again, again_positions, errors) ||
      again != root) {
    return fail("the converted document does not read back the same; nothing written");
  }
  if (output.empty()) {
    std::fwrite(written.str().data(), 1, written.str().size(), stdout);
    return 0;
  }
  // Written beside it and renamed over it: OUT is never left half written, and an OUT that is
  // also FILE is read whole before it is replaced.
  const std::string staging = output + ".apigw-convert.tmp";
  std::ofstream out(staging, std::ios::binary | std::ios::trunc);
  out << written.str();
  out.close();
  std::error_code renamed;
  if (out) std::filesystem::rename(staging, output, renamed);
  if (!out || renamed) {
    std::error_code ignored;
    std::filesystem::remove(staging, ignored);
    return fail("cannot write " + output + (renamed ? ": " + renamed.message() : ""));
  }
  return 0;
}

}  // namespace apigw::app
