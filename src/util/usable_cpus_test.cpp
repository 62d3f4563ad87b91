#include "util/usable_cpus.h"

#include <gtest/gtest.h>

#include <stdlib.h>

#include <fstream>
#include <string>
#include <thread>

namespace apigw::util {
namespace {

namespace fs = std::filesystem;

// A fake root for one test, removed after it.
class FakeRoot {
 public:
  FakeRoot() {
    char pattern[] = "/tmp/apigw-cpus-XXXXXX";
    if (::mkdtemp(pattern) != nullptr) path_ = pattern;
  }
  ~FakeRoot() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

TEST(UsableCpus, CgroupV2QuotaOfTheProcessOrAnAncestorTheSmallest) {
  FakeRoot dir;
  const fs::path root = dir.path();
  write(root / "proc/self/cgroup", "0::/system.slice/apigw.service\n");
  write(root / "sys/fs/cgroup/system.slice/apigw.service/cpu.max", "max 100000\n");
  EXPECT_FALSE(cgroup_cpu_limit(root).has_value()) << "max: no limit";
  write(root / "sys/fs/cgroup/system.slice/cpu.max", "250000 100000\n");
  EXPECT_DOUBLE_EQ(cgroup_cpu_limit(root).value_or(0), 2.5) << "the slice's limit holds";
  write(root / "sys/fs/cgroup/system.slice/apigw.service/cpu.max", "50000 100000\n");
  EXPECT_DOUBLE_EQ(cgroup_cpu_limit(root).value_or(0), 0.5);
}

TEST(UsableCpus, CgroupV2InAContainerNamespace) {
  FakeRoot dir;
  const fs::path root = dir.path();
  write(root / "proc/self/cgroup", "0::/\n");
  write(root / "sys/fs/cgroup/cpu.max", "100000 100000\n");
  EXPECT_DOUBLE_EQ(cgroup_cpu_limit(root).value_or(0), 1.0);
}

TEST(UsableCpus, CgroupV1Quota) {
  FakeRoot dir;
  const fs::path root = dir.path();
  write(root / "proc/self/cgroup",
        "12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n");
  write(root / "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "-1\n");
  write(root / "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n");
  EXPECT_FALSE(cgroup_cpu_limit(root).has_value()) << "-1: no limit";
  write(root / "sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "300000\n");
  EXPECT_DOUBLE_EQ(cgroup_cpu_limit(root).value_or(0), 3.0);
}

TEST(UsableCpus, NothingReadableIsNoLimit) {
  FakeRoot dir;
  EXPECT_FALSE(cgroup_cpu_limit(dir.path()).has_value());
  write(fs::path(dir.path()) / "proc/self/cgroup", "0::/\n");
  write(fs::path(dir.path()) / "sys/fs/cgroup/cpu.max", "garbage\n");
  EXPECT_FALSE(cgroup_cpu_limit(dir.path()).has_value());
}

TEST(UsableCpus, AtLeastOneAndAtMostTheMachine) {
  const std::size_t cpus = usable_cpus();
  EXPECT_GE(cpus, 1u);
  EXPECT_LE(cpus, std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace
}  // namespace apigw::util
