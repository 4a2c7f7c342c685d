#pragma once
// The meta store on LMDB: one environment per shard in <data_dir>/meta-<shard>/ with the
// sub-databases entries, dirs, inodes, node_chunks, under_replicated, gc, pending,
// drop_outbox and counters (key encodings in README.md). Values are Cap'n Proto records
// (meta_record_codec.hpp).
//
// The environment is opened with MDB_NOTLS, so read transactions are not bound to a
// thread and may be opened by a thread that holds the write transaction. A write
// transaction must still be begun, used and ended on one thread: callers open and
// finish it within one call (see meta_shard_actor.cpp).
#include <memory>
#include <string>

#include "actors/meta_shard/meta_store.hpp"

namespace cairn {

struct lmdb_options {
  std::string dir;                          // the environment's directory; created if missing
  uint64_t map_bytes = uint64_t{64} << 30;  // address space only: the file grows sparsely
  bool sync = true;                         // false: no fsync at commit (simulation, tests)
};

class lmdb_meta_store final : public meta_store {
 public:
  // errc::io_error naming the directory and LMDB's reason when it cannot be opened.
  static result<std::unique_ptr<lmdb_meta_store>> open(const lmdb_options& opt);
  ~lmdb_meta_store() override;

  result<std::unique_ptr<meta_txn>> begin_write() override;
  result<std::unique_ptr<meta_txn>> begin_read() override;

  struct impl;

 private:
  explicit lmdb_meta_store(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace cairn
