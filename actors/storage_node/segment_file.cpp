#include "actors/storage_node/segment_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "runtime/assert.hpp"
#include "runtime/log.hpp"

namespace cairn {
namespace {

void store_le(char* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

uint64_t load_le(const char* in, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

}  // namespace

error file_error(int err, const std::string& what, const std::string& path) {
  auto code = (err == ENOSPC || err == EDQUOT) ? errc::no_space : errc::io_error;
  return error{code, what + " " + path + ": " + std::strerror(err)};
}

void encode_record_header(const segment_record_header& h, char* out) {
  store_le(out, segment_record_magic, 4);
  store_le(out + 4, h.key.file, 8);
  store_le(out + 12, h.key.index, 4);
  store_le(out + 16, h.length, 4);
  store_le(out + 20, h.crc, 4);
}

result<segment_record_header> decode_record_header(const char* in) {
  if (load_le(in, 4) != segment_record_magic) return error{errc::corrupt, "bad record magic"};
  segment_record_header h;
  h.key.file = load_le(in + 4, 8);
  h.key.index = static_cast<uint32_t>(load_le(in + 12, 4));
  h.length = static_cast<uint32_t>(load_le(in + 16, 4));
  h.crc = static_cast<uint32_t>(load_le(in + 20, 4));
  return h;
}

std::string segment_path(const std::string& dir, uint32_t segment) {
  char name[32];
  std::snprintf(name, sizeof(name), "%08u.seg", segment);
  return dir + "/" + name;
}

namespace {

// O_DIRECT descriptor for writes, or -1 with a warning when the filesystem refuses it.
int open_direct(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_DIRECT | O_CLOEXEC);
  if (fd >= 0) return fd;
  module_log("storage")->warn(
      "trace={:016x} segment {}: O_DIRECT refused ({}); writes go through the page cache",
      uint64_t{0}, path, std::strerror(errno));
  return -1;
}

}  // namespace

result<segment_file> segment_file::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return file_error(errno, "cannot open segment", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return file_error(err, "cannot stat segment", path);
  }
  return segment_file(fd, open_direct(path), path, static_cast<uint64_t>(st.st_size));
}

segment_file::segment_file(segment_file&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      direct_fd_(std::exchange(other.direct_fd_, -1)),
      path_(std::move(other.path_)),
      size_(other.size_) {}

segment_file& segment_file::operator=(segment_file&& other) noexcept {
  if (this != &other) {
    close_all();
    fd_ = std::exchange(other.fd_, -1);
    direct_fd_ = std::exchange(other.direct_fd_, -1);
    path_ = std::move(other.path_);
    size_ = other.size_;
  }
  return *this;
}

segment_file::~segment_file() { close_all(); }

void segment_file::close_all() {
  if (fd_ >= 0) ::close(fd_);
  if (direct_fd_ >= 0) ::close(direct_fd_);
  fd_ = direct_fd_ = -1;
}

status segment_file::write_blocks(uint64_t offset, const char* data, size_t bytes) {
  CAIRN_ASSERT(offset % segment_block_bytes == 0 && bytes % segment_block_bytes == 0);
  CAIRN_ASSERT(reinterpret_cast<uintptr_t>(data) % segment_block_bytes == 0);
  size_t done = 0;
  while (done < bytes) {
    int fd = direct() ? direct_fd_ : fd_;
    ssize_t n = ::pwrite(fd, data + done, bytes - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      // Some filesystems accept O_DIRECT at open and refuse it at write time; what
      // was refused was not written, so the same write goes through the page cache.
      if (errno == EINVAL && direct() && done == 0) {
        module_log("storage")->warn(
            "trace={:016x} segment {}: O_DIRECT write refused ({}); writes go through the "
            "page cache",
            uint64_t{0}, path_, std::strerror(errno));
        ::close(std::exchange(direct_fd_, -1));
        continue;
      }
      return file_error(errno, "cannot write segment", path_);
    }
    if (n == 0) return error{errc::io_error, "write made no progress on " + path_};
    done += static_cast<size_t>(n);
  }
  size_ = std::max(size_, offset + bytes);
  return ok_status();
}

status segment_file::read_exact(uint64_t offset, char* out, size_t bytes) const {
  size_t done = 0;
  while (done < bytes) {
    ssize_t n = ::pread(fd_, out + done, bytes - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return file_error(errno, "cannot read segment", path_);
    }
    if (n == 0) return error{errc::corrupt, "record past the end of " + path_};
    done += static_cast<size_t>(n);
  }
  return ok_status();
}

status segment_file::truncate(uint64_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0)
    return file_error(errno, "cannot truncate segment", path_);
  size_ = size;
  return ok_status();
}

status segment_file::sync() {
  if (::fdatasync(fd_) != 0) return file_error(errno, "cannot sync segment", path_);
  return ok_status();
}

}  // namespace cairn
