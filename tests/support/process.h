// Child processes for integration tests: apigw itself, echo backends, curl, wrk. Each is killed
// and reaped when its Process goes out of scope, so a failing test leaves nothing behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace apigw::test {

class Process {
 public:
  // Starts argv[0] (searched in PATH) with stdout and stderr appended to `log_path`, and this
  // process's environment with `extra_env` ("NAME=value", replacing NAME if it is set).
  Process(std::vector<std::string> argv, std::string log_path,
          std::vector<std::string> extra_env = {});
  // A process this one did not start but reaps: an orphan handed to it as the subreaper
  // (prctl PR_SET_CHILD_SUBREAPER), such as a binary upgrade's successor once the process that
  // started it has exited. Its output goes where its parent's went (`log_path`).
  static std::unique_ptr<Process> adopt(pid_t pid, std::string log_path);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int signal_number) const;
  // Waits for exit; returns the exit code (128+signal if killed), or nullopt on timeout; -1 for
  // an adopted process that ended before it became this one's child (its parent reaped it).
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();
  const std::string& log_path() const { return log_path_; }
  std::string log() const;

 private:
  Process(pid_t pid, std::string log_path) : pid_(pid), log_path_(std::move(log_path)) {}

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string log_path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout only
};

// Runs a command to completion (stdin closed, stderr to the test log) and captures its stdout.
CommandResult run_command(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace apigw::test
