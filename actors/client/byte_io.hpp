#pragma once
// Where a put's bytes come from and where a get's bytes go. A source is read at
// arbitrary offsets (chunks are read as their turn in the write window comes); a
// sink is written strictly in order.
#include <cstdint>
#include <memory>
#include <string>

#include "runtime/result.hpp"

namespace cairn {

class byte_source {
 public:
  virtual ~byte_source() = default;
  virtual uint64_t size() const = 0;
  virtual result<std::string> read(uint64_t offset, size_t length) = 0;
};

class byte_sink {
 public:
  virtual ~byte_sink() = default;
  virtual status write(const std::string& bytes) = 0;
  // Called once after the last write of a successful transfer.
  virtual status finish() = 0;
};

// A local file (or "-" for stdin, read fully into memory first).
result<std::shared_ptr<byte_source>> open_file_source(const std::string& path);
std::shared_ptr<byte_source> memory_source(std::string bytes);

// A local file, written to "<path>.cairn-partial" and renamed over `path` at finish(),
// so a failed get never leaves a truncated file under the requested name. "-": stdout.
result<std::shared_ptr<byte_sink>> open_file_sink(const std::string& path);

class memory_sink final : public byte_sink {
 public:
  status write(const std::string& bytes) override;
  status finish() override { return ok_status(); }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

// Counts bytes and discards them (benchmarks).
class discard_sink final : public byte_sink {
 public:
  status write(const std::string& bytes) override;
  status finish() override { return ok_status(); }
  uint64_t bytes() const { return bytes_; }

 private:
  uint64_t bytes_ = 0;
};

}  // namespace cairn
