// A temporary directory removed with everything in it when the object goes out of scope.
#pragma once

#include <string>

namespace apigw::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `content` to path()/name and returns the full path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

// A free TCP port on 127.0.0.1 (bound to port 0 and released; the kernel does not hand the same
// port out again right away).
int free_port();

// Replaces every "{key}" in `text` with its value.
std::string fill(std::string text,
                 const std::initializer_list<std::pair<std::string, std::string>>& values);

}  // namespace apigw::test
