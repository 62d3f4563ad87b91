// apigw: the API gateway binary. Subcommands: run, check, convert, probe, version, echo-server.
#include <csignal>

#include "app/cli.h"

int main(int argc, char** argv) {
  // SIGUSR1 (reopen the log) and SIGUSR2 (binary upgrade) would end any apigw process without a
  // handler for them: a gateway still loading its config, an upgrade's successor before it
  // serves, `apigw check` or an echo-server that a `pkill -USR1 apigw` also reaches. Ignored
  // until `run` handles them (the disposition survives exec: a successor starts ignoring them).
  std::signal(SIGUSR1, SIG_IGN);
  std::signal(SIGUSR2, SIG_IGN);
  return apigw::app::main_with_args(argc, argv);
}
