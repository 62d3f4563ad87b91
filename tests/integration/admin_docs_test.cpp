// Every curl example of docs/admin-api.md, run in order against a real gateway in SQLite store
// mode: each must answer the status its "# HTTP nnn" line promises.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/admin_client.h"
#include "support/gateway.h"

namespace apigw::test {
namespace {

struct Example {
  std::string command;
  int expected_status = 0;
};

std::vector<Example> curl_examples(const std::string& markdown) {
  std::vector<Example> examples;
  std::istringstream lines(markdown);
  bool in_shell = false;
  int expected = 0;
  std::string pending;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("```", 0) == 0) {
      in_shell = !in_shell && line == "```sh";
      continue;
    }
    if (!in_shell) continue;
    if (line.rfind("# HTTP ", 0) == 0) {
      expected = std::stoi(line.substr(7));
      continue;
    }
    if (pending.empty() && line.rfind("curl ", 0) != 0) continue;
    const bool continued = !line.empty() && line.back() == '\\';
    pending += continued ? line.substr(0, line.size() - 1) : line;
    if (continued) continue;
    examples.push_back({pending, expected});
    pending.clear();
    expected = 0;
  }
  return examples;
}

TEST(AdminApiDocs, EveryExampleRuns) {
  std::ifstream file(APIGW_SOURCE_DIR + std::string("/docs/admin-api.md"));
  std::stringstream text;
  text << file.rdbuf();
  const auto examples = curl_examples(text.str());
  ASSERT_GE(examples.size(), 20u) << "the examples were not found";

  EchoBackend backend("b1");
  Gateway gateway(sqlite_config());
  TempDir work;
  for (const auto& example : examples) {
    SCOPED_TRACE(example.command);
    ASSERT_NE(example.expected_status, 0) << "an example without its '# HTTP nnn' line";
    std::string command = example.command;
    for (std::size_t at; (at = command.find("127.0.0.1:9001")) != std::string::npos;) {
      command.replace(at, 14, backend.address());
    }
    const std::string script =
        "cd " + work.path() + " && ADMIN=http://127.0.0.1:" + std::to_string(gateway.admin_port()) +
        " GW=" + gateway.url("") + " TOKEN=" + kAdminToken + " && " + command +
        " -w '\\n%{http_code}'";
    const auto result = run_command({"/bin/bash", "-c", script});
    ASSERT_EQ(result.exit_code, 0) << result.output;
    const std::string status = result.output.substr(result.output.rfind('\n') + 1);
    EXPECT_EQ(status, std::to_string(example.expected_status)) << result.output;
  }
}

}  // namespace
}  // namespace apigw::test
