// The command line: parses arguments and dispatches to a subcommand.
#pragma once

namespace apigw::app {

int main_with_args(int argc, char** argv);

}  // namespace apigw::app
