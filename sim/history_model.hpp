#pragma once
// history_model: what the workload may observe at each path, given the operations it
// started and how each ended. The checkers "no lost acknowledged write" and "never
// wrong bytes" ask it about every read. Pure: no CAF, no clock (times are arguments).
//
// Each path holds a set of candidates: the versions it may hold now (version 0 is
// "no file"). Every write adds its result as a candidate when it starts, because it
// may take effect at any moment after that. When a write is acknowledged, every
// candidate whose own write completed before this one started is superseded and
// dropped (real-time order puts it earlier). A write that failed definitely (the
// cluster said it did not happen: already_exists, not_found, ...) drops its
// candidates; a write whose outcome is unknown (timeout, unavailable) keeps them as if
// it completed `unknown_horizon_us` later: that long it may still land (its last
// request is still in flight, delayed at most by the network's longest clog and
// latency — a bound the simulated network guarantees), and no longer.
//
// A read is correct when the bytes it returned are those of a version that was a
// candidate when the read started or became one while it ran. Bytes that no write to
// this path ever carried are wrong bytes; a version that was superseded before the read
// began (or "no file" after an acknowledged put) is a lost write.
//
// Sound, not complete: it never rejects a correct history, and may accept a few
// incorrect ones where concurrency or unknown outcomes leave several answers possible.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cairn {

using version_id = uint64_t;
inline constexpr version_id no_file = 0;

// A version's bytes, told apart by length and CRC32C (the workload makes every
// version's bytes distinct).
struct content {
  uint64_t size = 0;
  uint32_t crc = 0;
  friend bool operator==(const content&, const content&) = default;
};

enum class write_outcome {
  acked,    // the cluster acknowledged it
  failed,   // the cluster said it did not happen
  unknown,  // no answer: it may have happened, now or later
};

enum class read_verdict {
  ok,
  wrong_bytes,  // bytes that no write to this path carried
  lost_write,   // a version (or "no file") that an acknowledged write had replaced
};
const char* to_string(read_verdict v);

class history_model {
 public:
  using op_id = uint64_t;
  // dangling_renames: a rename may move a name whose file is gone (cross-shard renames
  // are not atomic), so "no file" travels with renames too. Off, a rename of an
  // existing file that leaves no file at its destination is a lost write.
  explicit history_model(bool dangling_renames = false) : dangling_renames_(dangling_renames) {}

  // How long after a write ended without an answer it may still take effect.
  // The simulated network holds a message at most ~9 s (a 7.5 s clog plus a latency
  // tail scaled up to 1.5 s) and the client gives up after 5 s; 20 s covers both.
  static constexpr int64_t unknown_horizon_us = 20'000'000;

  void define_version(version_id v, content c);

  op_id begin_put(const std::string& path, version_id v, int64_t now);
  op_id begin_remove(const std::string& path, int64_t now);
  op_id begin_rename(const std::string& from, const std::string& to, int64_t now);
  void end_write(op_id op, write_outcome outcome, int64_t now);

  op_id begin_read(const std::string& path, int64_t now);
  // The read returned `got` (nullopt: the path had no file). Explains a failed verdict
  // in `why` when given.
  read_verdict end_read(op_id op, const std::optional<content>& got, int64_t now,
                        std::string* why = nullptr);
  // The read failed: errors are allowed; nothing to check.
  void abandon_read(op_id op);

  // Every path any operation touched, in order.
  std::vector<std::string> paths() const;
  // The versions `path` may hold now.
  std::vector<version_id> candidates(const std::string& path) const;
  size_t open_ops() const { return ops_.size(); }

 private:
  static constexpr int64_t never = INT64_MIN;
  // One entry per version a path may hold: the writes still open that bring it, and
  // when the last completed one that brought it ended (or may last land).
  struct candidate {
    std::set<op_id> open;
    int64_t end = never;
  };
  struct path_state {
    std::map<version_id, candidate> candidates{{no_file, candidate{{}, -1}}};
    std::set<version_id> ever{no_file};                 // every version that was ever a candidate
    std::vector<std::pair<int64_t, version_id>> added;  // (when, version) of additions
  };
  enum class op_kind { put, remove, rename, read };
  struct op_state {
    op_kind kind;
    int64_t start;
    std::string path, to;  // to: the rename's destination
    version_id version = no_file;
    std::vector<version_id> seen;  // a read: candidates when it started
  };

  void add(const std::string& path, version_id v, op_id op, int64_t now);
  // The rename's source versions become candidates of its destination (later ones
  // follow through renames_from_ while it runs).
  void carry(const op_state& rename, op_id op, int64_t now);
  // The write ended: its candidates count as completed at `end`, and when it was
  // acknowledged every candidate completed before it started is superseded.
  void settle(const std::string& path, const op_state& w, op_id op, int64_t end, bool acked);
  void drop(const std::string& path, op_id op);
  // The versions of `path` whose bytes are `got` (nullopt: no file).
  std::vector<version_id> matching(const path_state& p, const std::optional<content>& got) const;

  bool dangling_renames_;
  std::map<std::string, path_state> paths_;
  std::map<std::pair<uint64_t, uint32_t>, std::vector<version_id>> by_content_;
  std::map<op_id, op_state> ops_;
  // Renames still running, by source path: a version that reaches their source while
  // they run may be the one they move.
  std::map<std::string, std::set<op_id>> renames_from_;
  op_id next_op_ = 1;
};

}  // namespace cairn
