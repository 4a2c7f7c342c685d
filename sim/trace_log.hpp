#pragma once
// trace_log: every event of a simulated run (message sends and their fates,
// deliveries, faults, workload operations) folded into one 64-bit hash, and written
// as JSON lines when asked (--trace run.jsonl). Two runs of the same seed and build
// must produce the same hash: that is the determinism check.
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace cairn {

class trace_log {
 public:
  using field = std::pair<std::string_view, uint64_t>;

  // `jsonl_path` empty: hash only.
  explicit trace_log(const std::string& jsonl_path = {});
  ~trace_log();
  trace_log(const trace_log&) = delete;
  trace_log& operator=(const trace_log&) = delete;
  bool ok() const { return path_.empty() || file_ != nullptr; }

  void record(int64_t t_us, std::string_view event, std::initializer_list<field> numbers,
              std::string_view text = {});

  uint64_t hash() const { return hash_; }
  uint64_t events() const { return events_; }

 private:
  void mix(const void* data, size_t n);

  std::string path_;
  std::FILE* file_ = nullptr;
  uint64_t hash_ = 14695981039346656037ull;  // FNV-1a offset basis
  uint64_t events_ = 0;
};

}  // namespace cairn
