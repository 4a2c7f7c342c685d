#include "actors/storage_node/chunk_index.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <lmdb.h>

#include <cstring>
#include <utility>

#include "cairn/schema/records.capnp.h"
#include "runtime/assert.hpp"
#include "runtime/envelope.hpp"

namespace cairn {
namespace {

constexpr size_t key_bytes = 12;

void encode_key(const chunk_key& key, unsigned char* out) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<unsigned char>(key.file >> (56 - 8 * i));
  for (int i = 0; i < 4; ++i) out[8 + i] = static_cast<unsigned char>(key.index >> (24 - 8 * i));
}

chunk_key decode_key(const unsigned char* in) {
  chunk_key key;
  for (int i = 0; i < 8; ++i) key.file = (key.file << 8) | in[i];
  for (int i = 0; i < 4; ++i) key.index = (key.index << 8) | in[8 + i];
  return key;
}

kj::Array<capnp::word> encode_entry(const index_entry& e) {
  capnp::MallocMessageBuilder message(16);
  auto r = message.initRoot<wire::ChunkIndexRecord>();
  r.setSegment(e.segment);
  r.setOffset(e.offset);
  r.setLength(e.length);
  r.setCrc(e.crc);
  r.setCommitMs(e.commit_ms);
  return capnp::messageToFlatArray(message);
}

// LMDB values carry no alignment promise, so the record is copied into words first.
result<index_entry> decode_entry(const MDB_val& v) {
  if (v.mv_size == 0 || v.mv_size % sizeof(capnp::word) != 0)
    return error{errc::corrupt, "index record of " + std::to_string(v.mv_size) + " bytes"};
  auto words = kj::heapArray<capnp::word>(v.mv_size / sizeof(capnp::word));
  std::memcpy(words.begin(), v.mv_data, v.mv_size);
  return guarded([&]() -> result<index_entry> {
    capnp::FlatArrayMessageReader reader(words.asPtr());
    auto r = reader.getRoot<wire::ChunkIndexRecord>();
    return index_entry{r.getSegment(), r.getOffset(), r.getLength(), r.getCrc(), r.getCommitMs()};
  });
}

error lmdb_error(int rc, const std::string& what) {
  auto code = rc == MDB_MAP_FULL ? errc::no_space : errc::io_error;
  return error{code, what + ": " + mdb_strerror(rc)};
}

// A read-only transaction with a cursor over the index, both closed when it goes.
struct read_cursor {
  MDB_txn* txn = nullptr;
  MDB_cursor* cursor = nullptr;
  status open(MDB_env* env, MDB_dbi dbi) {
    if (int rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn); rc != 0)
      return lmdb_error(rc, "cannot begin a read txn");
    if (int rc = mdb_cursor_open(txn, dbi, &cursor); rc != 0)
      return lmdb_error(rc, "cannot open an index cursor");
    return ok_status();
  }
  ~read_cursor() {
    if (cursor) mdb_cursor_close(cursor);
    if (txn) mdb_txn_abort(txn);
  }
};

}  // namespace

result<chunk_index> chunk_index::open(const std::string& dir, uint64_t map_bytes) {
  MDB_env* env = nullptr;
  if (int rc = mdb_env_create(&env); rc != 0) return lmdb_error(rc, "cannot create LMDB env");
  chunk_index index(env, 0);  // closes env on every error path below
  if (int rc = mdb_env_set_mapsize(env, map_bytes); rc != 0)
    return lmdb_error(rc, "cannot size the index map");
  // NOTLS: a non-detached actor may run on a different scheduler thread per message.
  if (int rc = mdb_env_open(env, dir.c_str(), MDB_NOTLS, 0644); rc != 0)
    return lmdb_error(rc, "cannot open index " + dir);
  MDB_txn* txn = nullptr;
  if (int rc = mdb_txn_begin(env, nullptr, 0, &txn); rc != 0)
    return lmdb_error(rc, "cannot begin a txn on " + dir);
  MDB_dbi dbi = 0;
  if (int rc = mdb_dbi_open(txn, nullptr, 0, &dbi); rc != 0) {
    mdb_txn_abort(txn);
    return lmdb_error(rc, "cannot open the index database in " + dir);
  }
  if (int rc = mdb_txn_commit(txn); rc != 0) return lmdb_error(rc, "cannot commit on " + dir);
  index.dbi_ = dbi;
  return index;
}

chunk_index::chunk_index(chunk_index&& other) noexcept
    : env_(std::exchange(other.env_, nullptr)), dbi_(other.dbi_) {}

chunk_index& chunk_index::operator=(chunk_index&& other) noexcept {
  if (this != &other) {
    if (env_) mdb_env_close(env_);
    env_ = std::exchange(other.env_, nullptr);
    dbi_ = other.dbi_;
  }
  return *this;
}

chunk_index::~chunk_index() {
  if (env_) mdb_env_close(env_);
}

result<index_entry> chunk_index::get(const chunk_key& key) const {
  MDB_txn* txn = nullptr;
  if (int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn); rc != 0)
    return lmdb_error(rc, "cannot begin a read txn");
  unsigned char k[key_bytes];
  encode_key(key, k);
  MDB_val kv{key_bytes, k};
  MDB_val v{};
  int rc = mdb_get(txn, dbi_, &kv, &v);
  result<index_entry> out = error{errc::not_found, "no such chunk"};
  if (rc == 0)
    out = decode_entry(v);
  else if (rc != MDB_NOTFOUND)
    out = lmdb_error(rc, "index lookup failed");
  mdb_txn_abort(txn);
  return out;
}

result<index_apply_receipt> chunk_index::apply(const std::vector<index_op>& ops) {
  MDB_txn* txn = nullptr;
  if (int rc = mdb_txn_begin(env_, nullptr, 0, &txn); rc != 0)
    return lmdb_error(rc, "cannot begin a write txn");
  index_apply_receipt receipt;
  for (auto& op : ops) {
    unsigned char k[key_bytes];
    encode_key(op.key, k);
    MDB_val kv{key_bytes, k};
    MDB_val old{};
    int rc = mdb_get(txn, dbi_, &kv, &old);
    if (rc != 0 && rc != MDB_NOTFOUND) {
      mdb_txn_abort(txn);
      return lmdb_error(rc, "index lookup failed");
    }
    bool existed = rc == 0;
    if (existed) {
      // An undecodable old record still counts as a chunk; its bytes are unknown.
      auto prev = decode_entry(old);
      receipt.chunks_delta -= 1;
      if (prev) receipt.bytes_delta -= prev->length;
    }
    if (op.remove) {
      rc = existed ? mdb_del(txn, dbi_, &kv, nullptr) : 0;
    } else {
      auto words = encode_entry(op.entry);
      auto bytes = words.asBytes();
      MDB_val v{bytes.size(), const_cast<capnp::byte*>(bytes.begin())};
      rc = mdb_put(txn, dbi_, &kv, &v, 0);
      receipt.chunks_delta += 1;
      receipt.bytes_delta += op.entry.length;
    }
    if (rc != 0) {
      mdb_txn_abort(txn);
      return lmdb_error(rc, "index update failed");
    }
    receipt.existed.push_back(existed);
  }
  if (int rc = mdb_txn_commit(txn); rc != 0) return lmdb_error(rc, "index commit failed");
  return receipt;
}

status chunk_index::scan(
    const std::function<void(const chunk_key&, const index_entry&)>& fn) const {
  read_cursor reader;
  if (auto opened = reader.open(env_, dbi_); !opened) return opened.err();
  MDB_cursor* cursor = reader.cursor;
  status out = ok_status();
  MDB_val k{}, v{};
  int rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST);
  for (; rc == 0; rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    if (k.mv_size != key_bytes) {
      out = error{errc::corrupt, "index key of " + std::to_string(k.mv_size) + " bytes"};
      break;
    }
    auto entry = decode_entry(v);
    if (!entry) {
      out = entry.err();
      break;
    }
    fn(decode_key(static_cast<const unsigned char*>(k.mv_data)), *entry);
  }
  if (out && rc != MDB_NOTFOUND) out = lmdb_error(rc, "index scan failed");
  return out;
}

result<std::vector<stored_chunk_info>> chunk_index::list_after(const chunk_key& after,
                                                               size_t limit) const {
  CAIRN_ASSERT(limit > 0);
  read_cursor reader;
  if (auto opened = reader.open(env_, dbi_); !opened) return opened.err();
  MDB_cursor* cursor = reader.cursor;
  unsigned char start[key_bytes];
  encode_key(after, start);
  MDB_val k{key_bytes, start}, v{};
  std::vector<stored_chunk_info> out;
  int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);  // the first key >= after
  for (; rc == 0 && out.size() < limit; rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    if (k.mv_size != key_bytes) continue;
    auto key = decode_key(static_cast<const unsigned char*>(k.mv_data));
    if (key == after) continue;
    auto entry = decode_entry(v);
    out.push_back(stored_chunk_info{key, entry ? entry->commit_ms : 0});
  }
  if (rc != 0 && rc != MDB_NOTFOUND) return lmdb_error(rc, "index scan failed");
  return out;
}

}  // namespace cairn
