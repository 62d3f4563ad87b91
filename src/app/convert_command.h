// `apigw convert FILE [--to toml|yaml] [-o OUT]`: a config file in the other syntax.
#pragma once

#include <string>
#include <vector>

namespace apigw::app {

// `args`: what follows "convert". Returns the exit status (0, 1 on errors, 2 on usage).
int convert_command(const std::vector<std::string>& args);

extern const char* const kConvertHelp;

}  // namespace apigw::app
