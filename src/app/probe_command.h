// `apigw probe [URL]`: one GET, exit status 0 for a 2xx answer. The health check of the container
// image (HEALTHCHECK, compose, an exec probe) without shipping curl and its libraries.
#pragma once

#include <string>
#include <vector>

namespace apigw::app {

extern const char* const kProbeHelp;

// `args`: what follows "probe". Returns the exit status: 0 healthy, 1 not, 2 usage error.
int probe_command(const std::vector<std::string>& args);

}  // namespace apigw::app
