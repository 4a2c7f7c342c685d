#include "actors/coordinator/map_store.hpp"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <lmdb.h>

#include <cstring>
#include <filesystem>

#include "runtime/cluster_map_codec.hpp"
#include "runtime/envelope.hpp"

namespace cairn {
namespace {

constexpr const char* map_key = "cluster_map";

error lmdb_error(int rc, const std::string& what) {
  return error{rc == MDB_MAP_FULL ? errc::no_space : errc::io_error,
               "coordinator map store " + what + ": " + mdb_strerror(rc)};
}

}  // namespace

struct map_store::impl {
  MDB_env* env = nullptr;
  MDB_dbi dbi = 0;
  ~impl() {
    if (env) mdb_env_close(env);
  }
};

map_store::map_store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
map_store::~map_store() = default;

result<std::unique_ptr<map_store>> map_store::open(const std::string& dir, bool sync) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return error{errc::io_error, "cannot create " + dir + ": " + ec.message()};
  auto p = std::make_unique<impl>();
  if (int rc = mdb_env_create(&p->env)) return lmdb_error(rc, "env_create in " + dir);
  if (int rc = mdb_env_set_mapsize(p->env, uint64_t{64} << 20))
    return lmdb_error(rc, "set_mapsize in " + dir);
  unsigned flags = MDB_NOTLS | (sync ? 0u : MDB_NOSYNC);
  if (int rc = mdb_env_open(p->env, dir.c_str(), flags, 0644)) return lmdb_error(rc, "open " + dir);
  MDB_txn* txn = nullptr;
  if (int rc = mdb_txn_begin(p->env, nullptr, 0, &txn)) return lmdb_error(rc, "begin in " + dir);
  if (int rc = mdb_dbi_open(txn, nullptr, 0, &p->dbi)) {
    mdb_txn_abort(txn);
    return lmdb_error(rc, "dbi_open in " + dir);
  }
  if (int rc = mdb_txn_commit(txn)) return lmdb_error(rc, "commit in " + dir);
  return std::unique_ptr<map_store>(new map_store(std::move(p)));
}

result<std::optional<cluster_map>> map_store::load() {
  MDB_txn* txn = nullptr;
  if (int rc = mdb_txn_begin(impl_->env, nullptr, MDB_RDONLY, &txn)) return lmdb_error(rc, "begin");
  MDB_val k{std::strlen(map_key), const_cast<char*>(map_key)}, v{};
  int rc = mdb_get(txn, impl_->dbi, &k, &v);
  if (rc == MDB_NOTFOUND) {
    mdb_txn_abort(txn);
    return std::optional<cluster_map>{};
  }
  if (rc) {
    mdb_txn_abort(txn);
    return lmdb_error(rc, "get");
  }
  // Copy into words: LMDB values carry no alignment promise.
  kj::Array<capnp::word> words = kj::heapArray<capnp::word>(v.mv_size / sizeof(capnp::word));
  bool whole = v.mv_size % sizeof(capnp::word) == 0;
  if (whole) std::memcpy(words.begin(), v.mv_data, v.mv_size);
  mdb_txn_abort(txn);
  if (!whole) return error{errc::corrupt, "coordinator map record has a torn length"};
  return guarded([&]() -> result<std::optional<cluster_map>> {
    capnp::FlatArrayMessageReader reader(words.asPtr());
    return std::optional<cluster_map>{read_cluster_map(reader.getRoot<wire::ClusterMapReply>())};
  });
}

status map_store::save(const cluster_map& map) {
  capnp::MallocMessageBuilder message;
  write_cluster_map(message.initRoot<wire::ClusterMapReply>(), map);
  auto words = capnp::messageToFlatArray(message);
  auto bytes = words.asBytes();
  MDB_txn* txn = nullptr;
  if (int rc = mdb_txn_begin(impl_->env, nullptr, 0, &txn)) return lmdb_error(rc, "begin write");
  MDB_val k{std::strlen(map_key), const_cast<char*>(map_key)};
  MDB_val v{bytes.size(), const_cast<kj::byte*>(bytes.begin())};
  if (int rc = mdb_put(txn, impl_->dbi, &k, &v, 0)) {
    mdb_txn_abort(txn);
    return lmdb_error(rc, "put");
  }
  if (int rc = mdb_txn_commit(txn)) return lmdb_error(rc, "commit");
  return ok_status();
}

}  // namespace cairn
