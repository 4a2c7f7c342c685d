#include "actors/client/byte_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <iterator>

namespace cairn {
namespace {

error os_error(const std::string& what, const std::string& path) {
  auto code = errno == ENOENT   ? errc::not_found
              : errno == ENOSPC ? errc::no_space
              : errno == EISDIR ? errc::is_a_directory
                                : errc::io_error;
  return error{code, what + " " + path + ": " + std::strerror(errno)};
}

class fd_source final : public byte_source {
 public:
  fd_source(int fd, uint64_t size, std::string path)
      : fd_(fd), size_(size), path_(std::move(path)) {}
  ~fd_source() override { ::close(fd_); }
  uint64_t size() const override { return size_; }
  result<std::string> read(uint64_t offset, size_t length) override {
    std::string out(length, '\0');
    size_t done = 0;
    while (done < length) {
      auto n = ::pread(fd_, out.data() + done, length - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return os_error("cannot read", path_);
      if (n == 0) return error{errc::io_error, path_ + " shrank while being read"};
      done += static_cast<size_t>(n);
    }
    return out;
  }

 private:
  int fd_;
  uint64_t size_;
  std::string path_;
};

class string_source final : public byte_source {
 public:
  explicit string_source(std::string bytes) : bytes_(std::move(bytes)) {}
  uint64_t size() const override { return bytes_.size(); }
  result<std::string> read(uint64_t offset, size_t length) override {
    if (offset + length > bytes_.size()) return error{errc::internal, "read past the end"};
    return bytes_.substr(offset, length);
  }

 private:
  std::string bytes_;
};

class fd_sink final : public byte_sink {
 public:
  fd_sink(int fd, std::string tmp, std::string path)
      : fd_(fd), tmp_(std::move(tmp)), path_(std::move(path)) {}
  ~fd_sink() override {
    if (fd_ >= 0 && fd_ != STDOUT_FILENO) ::close(fd_);
    if (!finished_ && !tmp_.empty()) ::unlink(tmp_.c_str());
  }
  status write(const std::string& bytes) override {
    size_t done = 0;
    while (done < bytes.size()) {
      auto n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return os_error("cannot write", tmp_.empty() ? path_ : tmp_);
      done += static_cast<size_t>(n);
    }
    return ok_status();
  }
  status finish() override {
    if (tmp_.empty()) return ok_status();  // stdout
    if (::fsync(fd_) != 0) return os_error("cannot sync", tmp_);
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) return os_error("cannot rename to", path_);
    finished_ = true;
    return ok_status();
  }

 private:
  int fd_;
  std::string tmp_, path_;
  bool finished_ = false;
};

}  // namespace

result<std::shared_ptr<byte_source>> open_file_source(const std::string& path) {
  if (path == "-") {
    std::string all{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    return memory_source(std::move(all));
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return os_error("cannot open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return error{errc::invalid_argument, path + " is not a regular file"};
  }
  return std::shared_ptr<byte_source>(
      std::make_shared<fd_source>(fd, static_cast<uint64_t>(st.st_size), path));
}

std::shared_ptr<byte_source> memory_source(std::string bytes) {
  return std::make_shared<string_source>(std::move(bytes));
}

result<std::shared_ptr<byte_sink>> open_file_sink(const std::string& path) {
  if (path == "-")
    return std::shared_ptr<byte_sink>(std::make_shared<fd_sink>(STDOUT_FILENO, "", "-"));
  std::string tmp = path + ".cairn-partial";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return os_error("cannot create", tmp);
  return std::shared_ptr<byte_sink>(std::make_shared<fd_sink>(fd, tmp, path));
}

status memory_sink::write(const std::string& bytes) {
  bytes_ += bytes;
  return ok_status();
}

status discard_sink::write(const std::string& bytes) {
  bytes_ += bytes.size();
  return ok_status();
}

}  // namespace cairn
