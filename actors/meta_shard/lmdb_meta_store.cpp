#include "actors/meta_shard/lmdb_meta_store.hpp"

#include <lmdb.h>

#include <array>
#include <cstring>
#include <filesystem>
#include <functional>

#include "actors/meta_shard/meta_record_codec.hpp"

namespace cairn {
namespace {

// ---- key encodings: fixed-width big-endian, so LMDB's byte order is numeric order ----

void put_be(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint64_t get_be(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::string id_key(inode_id id) {
  std::string k;
  put_be(k, id, 8);
  return k;
}

std::string entry_key(inode_id parent, std::string_view name) {
  std::string k = id_key(parent);
  k.append(name);
  return k;
}

std::string chunk_key_bytes(chunk_key c) {
  std::string k = id_key(c.file);
  put_be(k, c.index, 4);
  return k;
}

chunk_key parse_chunk_key(const char* p) {
  return chunk_key{get_be(p, 8), static_cast<uint32_t>(get_be(p + 8, 4))};
}

std::string node_chunk_key(host_id host, chunk_key c) {
  std::string k;
  put_be(k, host, 4);
  return k + chunk_key_bytes(c);
}

std::string under_replicated_key_bytes(const under_replicated_key& key) {
  std::string k(1, static_cast<char>(key.live_replicas));
  return k + chunk_key_bytes(key.chunk);
}

// created_ms with its sign bit flipped, so negative times sort before positive ones.
std::string pending_key_bytes(const pending_key& key) {
  std::string k;
  put_be(k, static_cast<uint64_t>(key.created_ms) ^ (uint64_t{1} << 63), 8);
  put_be(k, key.file, 8);
  return k;
}

pending_key parse_pending_key(const char* p) {
  return pending_key{static_cast<int64_t>(get_be(p, 8) ^ (uint64_t{1} << 63)), get_be(p + 8, 8)};
}

// "next_counter" holds meta_counters::counter_ceiling (the key predates the ceiling).
constexpr std::array<const char*, 5> counter_names = {"bytes", "directories", "files",
                                                      "next_counter", "pending"};

MDB_val to_val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
std::string_view from_val(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

status check(int rc, const char* what) {
  if (rc == 0) return ok_status();
  std::string msg = std::string("lmdb ") + what + ": " + mdb_strerror(rc);
  if (rc == MDB_MAP_FULL) return error{errc::no_space, msg};
  return error{errc::io_error, msg};
}

}  // namespace

struct lmdb_meta_store::impl {
  MDB_env* env = nullptr;
  MDB_dbi entries = 0, dirs = 0, inodes = 0, node_chunks = 0, under_replicated = 0, gc = 0,
          pending = 0, drop_outbox = 0, counters = 0;
  ~impl() {
    if (env) mdb_env_close(env);
  }
};

namespace {

class lmdb_txn final : public meta_txn {
 public:
  lmdb_txn(lmdb_meta_store::impl& s, MDB_txn* txn, bool read_only)
      : s_(s), txn_(txn), read_only_(read_only) {}
  ~lmdb_txn() override { abort(); }

  // ---- generic helpers ----
  result<std::optional<std::string>> get(MDB_dbi dbi, std::string_view key) {
    MDB_val k = to_val(key), v{};
    int rc = mdb_get(txn_, dbi, &k, &v);
    if (rc == MDB_NOTFOUND) return std::optional<std::string>{};
    if (auto st = check(rc, "get"); !st) return st.err();
    return std::optional<std::string>{std::string(from_val(v))};
  }
  status put(MDB_dbi dbi, std::string_view key, std::string_view value) {
    if (read_only_) return error{errc::internal, "write in a read-only transaction"};
    MDB_val k = to_val(key), v = to_val(value);
    return check(mdb_put(txn_, dbi, &k, &v, 0), "put");
  }
  status del(MDB_dbi dbi, std::string_view key) {
    if (read_only_) return error{errc::internal, "write in a read-only transaction"};
    MDB_val k = to_val(key);
    int rc = mdb_del(txn_, dbi, &k, nullptr);
    return rc == MDB_NOTFOUND ? ok_status() : check(rc, "del");
  }
  // Visits keys >= start in order while fn returns true. fn(key, value).
  status scan(MDB_dbi dbi, std::string_view start,
              const std::function<bool(std::string_view, std::string_view)>& fn) {
    MDB_cursor* cur = nullptr;
    if (auto st = check(mdb_cursor_open(txn_, dbi, &cur), "cursor"); !st) return st;
    MDB_val k = to_val(start), v{};
    int rc = mdb_cursor_get(cur, &k, &v, start.empty() ? MDB_FIRST : MDB_SET_RANGE);
    while (rc == 0 && fn(from_val(k), from_val(v))) rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    mdb_cursor_close(cur);
    return rc == 0 || rc == MDB_NOTFOUND ? ok_status() : check(rc, "cursor_get");
  }
  template <class T, class Decode>
  result<std::optional<T>> get_record(MDB_dbi dbi, std::string_view key, Decode decode) {
    auto raw = get(dbi, key);
    if (!raw) return raw.err();
    if (!raw->has_value()) return std::optional<T>{};
    auto rec = decode(**raw);
    if (!rec) return rec.err();
    return std::optional<T>{std::move(rec.value())};
  }
  result<uint64_t> count(MDB_dbi dbi) {
    MDB_stat st{};
    if (auto c = check(mdb_stat(txn_, dbi, &st), "stat"); !c) return c.err();
    return static_cast<uint64_t>(st.ms_entries);
  }

  // ---- entries ----
  result<std::optional<entry_record>> get_entry(inode_id parent, std::string_view name) override {
    return get_record<entry_record>(s_.entries, entry_key(parent, name), decode_entry_record);
  }
  status put_entry(inode_id parent, std::string_view name, const entry_record& e) override {
    return put(s_.entries, entry_key(parent, name), encode_entry_record(e));
  }
  status delete_entry(inode_id parent, std::string_view name) override {
    return del(s_.entries, entry_key(parent, name));
  }
  result<std::vector<named_entry>> list_entries(inode_id parent, std::string_view start_after,
                                                size_t limit) override {
    std::vector<named_entry> out;
    const std::string prefix = id_key(parent);
    const std::string start = entry_key(parent, start_after);
    status inner = ok_status();
    auto st = scan(s_.entries, start, [&](std::string_view k, std::string_view v) {
      if (out.size() >= limit || k.substr(0, 8) != prefix) return false;
      if (k == start) return true;  // strictly after start_after
      auto rec = decode_entry_record(v);
      if (!rec) {
        inner = rec.err();
        return false;
      }
      out.push_back({std::string(k.substr(8)), rec.value()});
      return true;
    });
    if (!st) return st.err();
    if (!inner) return inner.err();
    return out;
  }

  // ---- dirs ----
  result<std::optional<dir_record>> get_dir(inode_id dir) override {
    return get_record<dir_record>(s_.dirs, id_key(dir), decode_dir_record);
  }
  status put_dir(inode_id dir, const dir_record& d) override {
    return put(s_.dirs, id_key(dir), encode_dir_record(d));
  }
  status delete_dir(inode_id dir) override { return del(s_.dirs, id_key(dir)); }

  // ---- inodes ----
  result<std::optional<inode_record>> get_inode(inode_id file) override {
    return get_record<inode_record>(s_.inodes, id_key(file), decode_inode_record);
  }
  status put_inode(const inode_record& inode) override {
    return put(s_.inodes, id_key(inode.id), encode_inode_record(inode));
  }
  status delete_inode(inode_id file) override { return del(s_.inodes, id_key(file)); }

  // ---- node_chunks ----
  status put_node_chunk(host_id host, chunk_key chunk) override {
    return put(s_.node_chunks, node_chunk_key(host, chunk), {});
  }
  status delete_node_chunk(host_id host, chunk_key chunk) override {
    return del(s_.node_chunks, node_chunk_key(host, chunk));
  }
  result<std::vector<chunk_key>> scan_node_chunks(host_id host, chunk_key after,
                                                  size_t limit) override {
    std::vector<chunk_key> out;
    const std::string start = node_chunk_key(host, after);
    std::string prefix;
    put_be(prefix, host, 4);
    auto st = scan(s_.node_chunks, start, [&](std::string_view k, std::string_view) {
      if (out.size() >= limit || k.size() != 16 || k.substr(0, 4) != prefix) return false;
      if (k != start) out.push_back(parse_chunk_key(k.data() + 4));
      return true;
    });
    if (!st) return st.err();
    return out;
  }

  // ---- under_replicated ----
  result<std::optional<under_replicated_record>> get_under_replicated(
      const under_replicated_key& key) override {
    return get_record<under_replicated_record>(s_.under_replicated, under_replicated_key_bytes(key),
                                               decode_under_replicated_record);
  }
  status put_under_replicated(const under_replicated_key& key,
                              const under_replicated_record& r) override {
    return put(s_.under_replicated, under_replicated_key_bytes(key),
               encode_under_replicated_record(r));
  }
  status delete_under_replicated(const under_replicated_key& key) override {
    return del(s_.under_replicated, under_replicated_key_bytes(key));
  }
  result<std::vector<std::pair<under_replicated_key, under_replicated_record>>>
  scan_under_replicated(std::optional<under_replicated_key> after, size_t limit) override {
    std::vector<std::pair<under_replicated_key, under_replicated_record>> out;
    const std::string start = after ? under_replicated_key_bytes(*after) : std::string{};
    status inner = ok_status();
    auto st = scan(s_.under_replicated, start, [&](std::string_view k, std::string_view v) {
      if (out.size() >= limit) return false;
      if (after && k == start) return true;
      auto rec = decode_under_replicated_record(v);
      if (k.size() != 13 || !rec) {
        inner = error{errc::corrupt, "malformed under_replicated entry"};
        return false;
      }
      under_replicated_key key{static_cast<uint8_t>(k[0]), parse_chunk_key(k.data() + 1)};
      out.emplace_back(key, rec.value());
      return true;
    });
    if (!st) return st.err();
    if (!inner) return inner.err();
    return out;
  }
  result<uint64_t> count_under_replicated() override { return count(s_.under_replicated); }

  // ---- gc ----
  result<std::optional<gc_record>> get_gc(chunk_key chunk) override {
    return get_record<gc_record>(s_.gc, chunk_key_bytes(chunk), decode_gc_record);
  }
  status put_gc(chunk_key chunk, const gc_record& r) override {
    return put(s_.gc, chunk_key_bytes(chunk), encode_gc_record(r));
  }
  status delete_gc(chunk_key chunk) override { return del(s_.gc, chunk_key_bytes(chunk)); }
  result<std::vector<std::pair<chunk_key, gc_record>>> scan_gc(std::optional<chunk_key> after,
                                                               size_t limit) override {
    std::vector<std::pair<chunk_key, gc_record>> out;
    const std::string start = after ? chunk_key_bytes(*after) : std::string{};
    status inner = ok_status();
    auto st = scan(s_.gc, start, [&](std::string_view k, std::string_view v) {
      if (out.size() >= limit) return false;
      if (after && k == start) return true;
      auto rec = decode_gc_record(v);
      if (k.size() != 12 || !rec) {
        inner = error{errc::corrupt, "malformed gc entry"};
        return false;
      }
      out.emplace_back(parse_chunk_key(k.data()), rec.value());
      return true;
    });
    if (!st) return st.err();
    if (!inner) return inner.err();
    return out;
  }
  result<uint64_t> count_gc() override { return count(s_.gc); }

  // ---- pending ----
  status put_pending(const pending_key& key) override {
    return put(s_.pending, pending_key_bytes(key), {});
  }
  status delete_pending(const pending_key& key) override {
    return del(s_.pending, pending_key_bytes(key));
  }
  result<std::vector<pending_key>> scan_pending(int64_t created_before_ms, size_t limit) override {
    std::vector<pending_key> out;
    status inner = ok_status();
    auto st = scan(s_.pending, {}, [&](std::string_view k, std::string_view) {
      if (out.size() >= limit) return false;
      if (k.size() != 16) {
        inner = error{errc::corrupt, "malformed pending entry"};
        return false;
      }
      auto key = parse_pending_key(k.data());
      if (key.created_ms >= created_before_ms) return false;
      out.push_back(key);
      return true;
    });
    if (!st) return st.err();
    if (!inner) return inner.err();
    return out;
  }
  result<uint64_t> count_pending() override { return count(s_.pending); }

  // ---- drop_outbox ----
  status put_drop_outbox(inode_id file) override { return put(s_.drop_outbox, id_key(file), {}); }
  status delete_drop_outbox(inode_id file) override { return del(s_.drop_outbox, id_key(file)); }
  result<std::vector<inode_id>> scan_drop_outbox(std::optional<inode_id> after,
                                                 size_t limit) override {
    std::vector<inode_id> out;
    const std::string start = after ? id_key(*after) : std::string{};
    status inner = ok_status();
    auto st = scan(s_.drop_outbox, start, [&](std::string_view k, std::string_view) {
      if (out.size() >= limit) return false;
      if (after && k == start) return true;
      if (k.size() != 8) {
        inner = error{errc::corrupt, "malformed drop_outbox entry"};
        return false;
      }
      out.push_back(get_be(k.data(), 8));
      return true;
    });
    if (!st) return st.err();
    if (!inner) return inner.err();
    return out;
  }
  result<uint64_t> count_drop_outbox() override { return count(s_.drop_outbox); }

  // ---- inodes, in full (upgrade only) ----
  result<std::vector<inode_record>> scan_inodes(std::optional<inode_id> after,
                                                size_t limit) override {
    std::vector<inode_record> out;
    const std::string start = after ? id_key(*after) : std::string{};
    status inner = ok_status();
    auto st = scan(s_.inodes, start, [&](std::string_view k, std::string_view v) {
      if (out.size() >= limit) return false;
      if (after && k == start) return true;
      auto rec = decode_inode_record(v);
      if (!rec) {
        inner = rec.err();
        return false;
      }
      out.push_back(std::move(rec.value()));
      return true;
    });
    if (!st) return st.err();
    if (!inner) return inner.err();
    return out;
  }

  // ---- counters ----
  result<std::optional<meta_counters>> get_counters() override {
    uint64_t values[counter_names.size()] = {};
    for (size_t i = 0; i < counter_names.size(); ++i) {
      auto raw = get(s_.counters, counter_names[i]);
      if (!raw) return raw.err();
      if (!raw->has_value()) return std::optional<meta_counters>{};
      if ((*raw)->size() != 8) return error{errc::corrupt, "malformed counter"};
      values[i] = get_be((*raw)->data(), 8);
    }
    meta_counters c;
    c.bytes = values[0];
    c.directories = values[1];
    c.files = values[2];
    c.counter_ceiling = values[3];
    c.pending = values[4];
    return std::optional<meta_counters>{c};
  }
  status put_counters(const meta_counters& c) override {
    const uint64_t values[] = {c.bytes, c.directories, c.files, c.counter_ceiling, c.pending};
    for (size_t i = 0; i < counter_names.size(); ++i) {
      std::string v;
      put_be(v, values[i], 8);
      if (auto st = put(s_.counters, counter_names[i], v); !st) return st;
    }
    return ok_status();
  }

  // ---- lifecycle ----
  result<std::unique_ptr<meta_txn>> begin_nested() override {
    CAIRN_ASSERT(!read_only_ && txn_ != nullptr);
    MDB_txn* child = nullptr;
    if (auto st = check(mdb_txn_begin(s_.env, txn_, 0, &child), "begin nested"); !st)
      return st.err();
    return std::unique_ptr<meta_txn>(new lmdb_txn(s_, child, false));
  }
  status commit() override {
    CAIRN_ASSERT(txn_ != nullptr);
    int rc = mdb_txn_commit(txn_);
    txn_ = nullptr;
    return check(rc, "commit");
  }
  void abort() override {
    if (txn_) mdb_txn_abort(txn_);
    txn_ = nullptr;
  }

 private:
  lmdb_meta_store::impl& s_;
  MDB_txn* txn_;
  bool read_only_;
};

}  // namespace

lmdb_meta_store::lmdb_meta_store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
lmdb_meta_store::~lmdb_meta_store() = default;

result<std::unique_ptr<lmdb_meta_store>> lmdb_meta_store::open(const lmdb_options& opt) {
  auto fail = [&](int rc, const char* step) -> error {
    return error{
        rc == MDB_MAP_FULL ? errc::no_space : errc::io_error,
        "cannot open the meta store in " + opt.dir + " (" + step + "): " + mdb_strerror(rc)};
  };
  std::error_code ec;
  std::filesystem::create_directories(opt.dir, ec);
  if (ec)
    return error{errc::io_error,
                 "cannot create the meta store directory " + opt.dir + ": " + ec.message()};
  auto p = std::make_unique<impl>();
  if (int rc = mdb_env_create(&p->env)) return fail(rc, "env_create");
  if (int rc = mdb_env_set_maxdbs(p->env, 16)) return fail(rc, "set_maxdbs");
  if (int rc = mdb_env_set_mapsize(p->env, opt.map_bytes)) return fail(rc, "set_mapsize");
  unsigned flags = MDB_NOTLS | (opt.sync ? 0u : MDB_NOSYNC);
  if (int rc = mdb_env_open(p->env, opt.dir.c_str(), flags, 0644)) return fail(rc, "env_open");
  MDB_txn* txn = nullptr;
  if (int rc = mdb_txn_begin(p->env, nullptr, 0, &txn)) return fail(rc, "txn_begin");
  const std::pair<const char*, MDB_dbi*> dbs[] = {{"entries", &p->entries},
                                                  {"dirs", &p->dirs},
                                                  {"inodes", &p->inodes},
                                                  {"node_chunks", &p->node_chunks},
                                                  {"under_replicated", &p->under_replicated},
                                                  {"gc", &p->gc},
                                                  {"pending", &p->pending},
                                                  {"drop_outbox", &p->drop_outbox},
                                                  {"counters", &p->counters}};
  for (auto [name, dbi] : dbs) {
    if (int rc = mdb_dbi_open(txn, name, MDB_CREATE, dbi)) {
      mdb_txn_abort(txn);
      return fail(rc, name);
    }
  }
  if (int rc = mdb_txn_commit(txn)) return fail(rc, "txn_commit");
  return std::unique_ptr<lmdb_meta_store>(new lmdb_meta_store(std::move(p)));
}

result<std::unique_ptr<meta_txn>> lmdb_meta_store::begin_write() {
  MDB_txn* txn = nullptr;
  if (auto st = check(mdb_txn_begin(impl_->env, nullptr, 0, &txn), "begin write"); !st)
    return st.err();
  return std::unique_ptr<meta_txn>(new lmdb_txn(*impl_, txn, false));
}

result<std::unique_ptr<meta_txn>> lmdb_meta_store::begin_read() {
  MDB_txn* txn = nullptr;
  if (auto st = check(mdb_txn_begin(impl_->env, nullptr, MDB_RDONLY, &txn), "begin read"); !st)
    return st.err();
  return std::unique_ptr<meta_txn>(new lmdb_txn(*impl_, txn, true));
}

}  // namespace cairn
