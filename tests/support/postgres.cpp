#include "support/postgres.h"

#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "support/process.h"
#include "support/temp_dir.h"

namespace apigw::test {
namespace {

std::string find_server_binaries() {
  std::string best;
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ignored)) {
    const std::string bin = entry.path().string() + "/bin";
    if (std::filesystem::exists(bin + "/initdb") && bin > best) best = bin;
  }
  if (best.empty()) {
    throw std::runtime_error("PostgreSQL server binaries not found (scripts/bootstrap.sh test)");
  }
  return best;
}

std::string quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

}  // namespace

TestPostgres::TestPostgres() : bin_(find_server_binaries()), port_(free_port()) {
  char pattern[] = "/tmp/apigw-pg-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  if (::geteuid() == 0) {
    const passwd* owner = ::getpwnam("postgres");
    if (owner == nullptr) throw std::runtime_error("no 'postgres' user to run PostgreSQL as");
    if (::chown(dir_.c_str(), owner->pw_uid, owner->pw_gid) != 0) {
      throw std::runtime_error("cannot chown " + dir_);
    }
  }
  run_as_owner(bin_ + "/initdb -D " + dir_ + "/data -U apigw --auth=trust -E UTF8 --no-sync >" +
               dir_ + "/initdb.log 2>&1");
  start();
  run_as_owner("/usr/bin/createdb -h 127.0.0.1 -p " + std::to_string(port_) + " -U apigw apigw");
}

TestPostgres::~TestPostgres() {
  try {
    if (running_) {
      run_as_owner(bin_ + "/pg_ctl -D " + dir_ + "/data -m immediate -w stop >/dev/null 2>&1");
    }
  } catch (const std::exception&) {
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string TestPostgres::run_as_owner(const std::string& command) const {
  const std::string line =
      ::geteuid() == 0 ? "runuser -u postgres -- sh -c " + quote(command) : command;
  const auto result = run_command({"/bin/sh", "-c", line}, std::chrono::seconds(60));
  if (result.exit_code != 0) {
    throw std::runtime_error("failed (" + std::to_string(result.exit_code) + "): " + command);
  }
  return result.output;
}

void TestPostgres::start() {
  // fsync off: the tests are about apigw, not about PostgreSQL's durability; it keeps CI fast.
  run_as_owner(bin_ + "/pg_ctl -D " + dir_ + "/data -l " + dir_ + "/server.log -w -t 60 -o " +
               quote("-p " + std::to_string(port_) + " -k " + dir_ +
                     " -c listen_addresses=127.0.0.1 -c fsync=off") +
               " start >/dev/null");
  running_ = true;
}

void TestPostgres::stop() {
  run_as_owner(bin_ + "/pg_ctl -D " + dir_ + "/data -m fast -w stop >/dev/null");
  running_ = false;
}

std::string TestPostgres::url() const {
  return "postgresql://apigw@127.0.0.1:" + std::to_string(port_) + "/apigw";
}

std::string TestPostgres::psql(const std::string& sql) const {
  return run_as_owner("/usr/bin/psql -X -A -t -h 127.0.0.1 -p " + std::to_string(port_) +
                      " -U apigw -d apigw -c " + quote(sql));
}

}  // namespace apigw::test
