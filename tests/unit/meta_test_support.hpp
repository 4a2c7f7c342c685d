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
