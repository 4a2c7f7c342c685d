#include "actors/storage_node/segment_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

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

result<segment_file> segment_file::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return file_error(errno, "cannot open segment", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return file_error(err, "cannot stat segment", path);
  }
  return segment_file(fd, path, static_cast<uint64_t>(st.st_size));
}

segment_file::segment_file(segment_file&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)), size_(other.size_) {}

segment_file& segment_file::operator=(segment_file&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    size_ = other.size_;
  }
  return *this;
}

segment_file::~segment_file() {
  if (fd_ >= 0) ::close(fd_);
}

status segment_file::append(const segment_record_header& header, std::string_view bytes) {
  char head[segment_record_header_bytes];
  encode_record_header(header, head);
  // One pwritev for header and bytes; short writes continue where they stopped.
  iovec parts[2] = {{head, sizeof(head)}, {const_cast<char*>(bytes.data()), bytes.size()}};
  int first = 0;
  uint64_t offset = size_;
  uint64_t end = size_ + sizeof(head) + bytes.size();
  while (offset < end) {
    ssize_t n = ::pwritev(fd_, parts + first, 2 - first, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return file_error(errno, "cannot write segment", path_);
    }
    if (n == 0) return error{errc::io_error, "write made no progress on " + path_};
    offset += static_cast<uint64_t>(n);
    auto left = static_cast<size_t>(n);
    while (first < 2 && left >= parts[first].iov_len) left -= parts[first++].iov_len;
    if (first < 2) {
      parts[first].iov_base = static_cast<char*>(parts[first].iov_base) + left;
      parts[first].iov_len -= left;
    }
  }
  size_ = end;
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
