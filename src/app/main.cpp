// apigw: the API gateway binary. Subcommands: run, check, convert, version, echo-server.
#include "app/cli.h"

int main(int argc, char** argv) { return apigw::app::main_with_args(argc, argv); }
