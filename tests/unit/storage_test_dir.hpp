#pragma once
// A fresh directory under /tmp for one test, removed with everything in it at scope exit.
#include <cstdlib>
#include <filesystem>
#include <string>

namespace cairn::test {

class temp_dir {
 public:
  temp_dir() {
    char pattern[] = "/tmp/cairn-storage-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    path_ = made ? made : "";
  }
  ~temp_dir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace cairn::test
