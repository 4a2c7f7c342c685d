#pragma once
// Shared by the meta shard's unit tests: a real LMDB store in a fresh temporary
// directory and a meta_shard_state over it, with requests run the way the actor runs
// them (each in a nested transaction of one write transaction).
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "actors/meta_shard/lmdb_meta_store.hpp"
#include "actors/meta_shard/meta_shard_state.hpp"

namespace cairn::test {

inline std::string make_temp_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "cairn-meta-XXXXXX").string();
  char* made = ::mkdtemp(tmpl.data());
  REQUIRE(made != nullptr);
  return tmpl;
}

inline std::vector<placement_host> three_racks(size_t hosts_per_rack = 1) {
  std::vector<placement_host> out;
  host_id id = 1;
  for (int rack = 0; rack < 3; ++rack)
    for (size_t i = 0; i < hosts_per_rack; ++i, ++id)
      out.push_back(
          {id, {"r", "dc", "c", "rack" + std::to_string(rack), "h" + std::to_string(id)}, true});
  return out;
}

// Delegates every call to a real transaction: tests derive from it to inject failures
// or count what a request reads.
class forwarding_txn : public meta_txn {
 public:
  explicit forwarding_txn(meta_txn& t) : t_(t) {}
  result<std::optional<entry_record>> get_entry(inode_id p, std::string_view n) override {
    return t_.get_entry(p, n);
  }
  status put_entry(inode_id p, std::string_view n, const entry_record& e) override {
    return t_.put_entry(p, n, e);
  }
  status delete_entry(inode_id p, std::string_view n) override { return t_.delete_entry(p, n); }
  result<std::vector<named_entry>> list_entries(inode_id p, std::string_view s, size_t l) override {
    return t_.list_entries(p, s, l);
  }
  result<std::optional<dir_record>> get_dir(inode_id d) override { return t_.get_dir(d); }
  status put_dir(inode_id d, const dir_record& r) override { return t_.put_dir(d, r); }
  status delete_dir(inode_id d) override { return t_.delete_dir(d); }
  result<std::optional<inode_record>> get_inode(inode_id i) override { return t_.get_inode(i); }
  status put_inode(const inode_record& i) override { return t_.put_inode(i); }
  status delete_inode(inode_id i) override { return t_.delete_inode(i); }
  status put_node_chunk(host_id h, chunk_key c) override { return t_.put_node_chunk(h, c); }
  status delete_node_chunk(host_id h, chunk_key c) override { return t_.delete_node_chunk(h, c); }
  result<std::vector<chunk_key>> scan_node_chunks(host_id h, chunk_key a, size_t l) override {
    return t_.scan_node_chunks(h, a, l);
  }
  result<std::optional<under_replicated_record>> get_under_replicated(
      const under_replicated_key& k) override {
    return t_.get_under_replicated(k);
  }
  status put_under_replicated(const under_replicated_key& k,
                              const under_replicated_record& r) override {
    return t_.put_under_replicated(k, r);
  }
  status delete_under_replicated(const under_replicated_key& k) override {
    return t_.delete_under_replicated(k);
  }
  result<std::vector<std::pair<under_replicated_key, under_replicated_record>>>
  scan_under_replicated(std::optional<under_replicated_key> a, size_t l) override {
    return t_.scan_under_replicated(a, l);
  }
  result<uint64_t> count_under_replicated() override { return t_.count_under_replicated(); }
  result<std::optional<gc_record>> get_gc(chunk_key c) override { return t_.get_gc(c); }
  status put_gc(chunk_key c, const gc_record& r) override { return t_.put_gc(c, r); }
  status delete_gc(chunk_key c) override { return t_.delete_gc(c); }
  result<std::vector<std::pair<chunk_key, gc_record>>> scan_gc(std::optional<chunk_key> a,
                                                               size_t l) override {
    return t_.scan_gc(a, l);
  }
  result<uint64_t> count_gc() override { return t_.count_gc(); }
  status put_pending(const pending_key& k) override { return t_.put_pending(k); }
  status delete_pending(const pending_key& k) override { return t_.delete_pending(k); }
  result<std::vector<pending_key>> scan_pending(int64_t before, size_t l) override {
    return t_.scan_pending(before, l);
  }
  result<uint64_t> count_pending() override { return t_.count_pending(); }
  status put_drop_outbox(inode_id f) override { return t_.put_drop_outbox(f); }
  status delete_drop_outbox(inode_id f) override { return t_.delete_drop_outbox(f); }
  result<std::vector<inode_id>> scan_drop_outbox(std::optional<inode_id> a, size_t l) override {
    return t_.scan_drop_outbox(a, l);
  }
  result<uint64_t> count_drop_outbox() override { return t_.count_drop_outbox(); }
  result<std::vector<inode_record>> scan_inodes(std::optional<inode_id> a, size_t l) override {
    return t_.scan_inodes(a, l);
  }
  result<std::optional<meta_counters>> get_counters() override { return t_.get_counters(); }
  status put_counters(const meta_counters& c) override { return t_.put_counters(c); }
  result<std::unique_ptr<meta_txn>> begin_nested() override { return t_.begin_nested(); }
  status commit() override { return t_.commit(); }
  void abort() override { t_.abort(); }

 protected:
  meta_txn& t_;
};

struct meta_fixture {
  std::string dir = make_temp_dir();
  meta_shard_config cfg;
  std::unique_ptr<lmdb_meta_store> store;
  std::unique_ptr<meta_shard_state> state;
  rng r{42};
  int64_t now_ms = 1000;

  explicit meta_fixture(shard_id shard = 0, uint64_t chunk_size = 100,
                        uint64_t id_block = id_block_default) {
    cfg.shard = shard;
    cfg.id_block = id_block;
    cfg.host = 7;
    cfg.chunk_size = chunk_size;
    cfg.min_replicas = 2;
    cfg.final_replicas = 3;
    cfg.storage_hosts = three_racks();
    open();
  }
  ~meta_fixture() {
    state.reset();
    store.reset();
    std::filesystem::remove_all(dir);
  }

  void open() {
    state.reset();
    store.reset();
    auto s = lmdb_meta_store::open({dir, uint64_t{1} << 30, false});
    REQUIRE(s.ok());
    store = std::move(s.value());
    state = std::make_unique<meta_shard_state>(cfg);
    auto txn = store->begin_write();
    REQUIRE(txn.ok());
    REQUIRE(state->bootstrap(**txn).ok());
    commit_batch(**txn);
  }

  // The end of a batch as the actor does it: reserve ids, commit, report the commit.
  void commit_batch(meta_txn& parent) {
    REQUIRE(state->reserve_ids(parent).ok());
    REQUIRE(parent.commit().ok());
    state->batch_committed();
  }

  // One request in a nested txn of `parent`, aborted on error.
  meta_outcome run_in(meta_txn& parent, const meta_request& req) {
    auto child = parent.begin_nested();
    REQUIRE(child.ok());
    auto out = state->handle(**child, req, now_ms, r);
    if (out.reply)
      REQUIRE((*child)->commit().ok());
    else
      (*child)->abort();
    return out;
  }

  // One request in its own batch.
  meta_outcome run(const meta_request& req) {
    auto parent = store->begin_write();
    REQUIRE(parent.ok());
    auto out = run_in(**parent, req);
    commit_batch(**parent);
    return out;
  }

  template <class Reply>
  Reply ok(const meta_request& req) {
    auto out = run(req);
    if (!out.reply) FAIL_CHECK(out.reply.err().to_string());
    REQUIRE(out.reply.ok());
    REQUIRE(std::holds_alternative<Reply>(out.reply.value()));
    return std::get<Reply>(out.reply.value());
  }

  errc fails(const meta_request& req) {
    auto out = run(req);
    return out.reply.code();
  }

  std::unique_ptr<meta_txn> reader() {
    auto t = store->begin_read();
    REQUIRE(t.ok());
    return std::move(t.value());
  }

  inode_id mkdir(inode_id parent, const std::string& name) {
    auto d = ok<dir_create_reply>(dir_create_request{parent, name});
    ok<link_reply>(link_request{parent, name, entry_kind::directory, d.dir_id});
    return d.dir_id;
  }

  // Creates and commits a file whose every chunk is acknowledged by `acked` of its
  // placement targets.
  inode_id put_file(inode_id parent, const std::string& name, uint64_t size, size_t acked) {
    auto c = ok<file_create_reply>(file_create_request{parent, name, size, 0, 0});
    ok<file_commit_reply>(commit_for(c, size, acked));
    return c.file_id;
  }

  file_commit_request commit_for(const file_create_reply& c, uint64_t size, size_t acked) {
    file_commit_request q{c.file_id, {}};
    for (auto& p : c.chunks) {
      uint64_t start = uint64_t{p.index} * c.chunk_size;
      auto len = static_cast<uint32_t>(std::min<uint64_t>(c.chunk_size, size - start));
      std::vector<host_id> hosts(p.targets.begin(), p.targets.begin() + acked);
      q.chunks.push_back({p.index, len, 0xC0FFEE00u + p.index, hosts});
    }
    return q;
  }

  uint64_t queue_size() { return reader()->count_under_replicated().value(); }
  uint64_t gc_size() { return reader()->count_gc().value(); }
};

}  // namespace cairn::test
