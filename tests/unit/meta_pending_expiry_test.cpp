// meta_shard_state over a real LMDB store: pending inodes that are never committed nor
// dropped expire after pending_ttl_ms, found through the pending index (never a scan
// of all inodes), a bounded number per request.
#include "meta_test_support.hpp"

using namespace cairn;
using cairn::test::meta_fixture;

namespace {

std::vector<pending_key> pending_index(meta_fixture& f) {
  auto keys = f.reader()->scan_pending(INT64_MAX, 1000);
  REQUIRE(keys.ok());
  return *keys;
}

uint32_t expire(meta_fixture& f) {
  return f.ok<pending_expire_reply>(pending_expire_request{}).expired;
}

bool expiry_due(meta_fixture& f) {
  auto due = f.state->pending_expiry_due(*f.reader(), f.now_ms);
  REQUIRE(due.ok());
  return *due;
}

}  // namespace

TEST_CASE("a pending inode older than the ttl is dropped and its targets queued after the grace") {
  meta_fixture f;
  auto c = f.ok<file_create_reply>(file_create_request{root_dir_id, "f", 150, 0, 0});
  int64_t created = f.now_ms;
  f.now_ms = created + f.cfg.pending_ttl_ms;  // exactly the ttl: not older than it yet
  CHECK_FALSE(expiry_due(f));
  CHECK(expire(f) == 0);
  CHECK(f.ok<inode_get_reply>(inode_get_request{c.file_id}).inode.state == inode_state::pending);

  f.now_ms += 1;
  CHECK(expiry_due(f));
  auto out = f.run(pending_expire_request{});
  REQUIRE(out.reply.ok());
  CHECK(std::get<pending_expire_reply>(out.reply.value()).expired == 1);
  CHECK(out.gc_queued);
  CHECK_FALSE(expiry_due(f));
  CHECK(f.fails(inode_get_request{c.file_id}) == errc::not_found);
  CHECK(pending_index(f).empty());
  CHECK(f.ok<shard_stats_reply>(shard_stats_request{}).stats.pending_files == 0);
  // Exactly what an inodeDrop does: every placement target queued, after the grace.
  REQUIRE(f.gc_size() == 2);
  for (uint32_t i = 0; i < 2; ++i) {
    auto gc = f.reader()->get_gc({c.file_id, i}).value();
    REQUIRE(gc.has_value());
    CHECK(gc->hosts == c.chunks[i].targets);
    CHECK(gc->not_before_ms == f.now_ms + f.cfg.pending_gc_grace_ms);
  }
  // The client's commit comes too late.
  CHECK(f.fails(f.commit_for(c, 150, 3)) == errc::not_found);
}

TEST_CASE("the pending index follows create, commit and drop, so committed files never expire") {
  meta_fixture f;
  auto a = f.ok<file_create_reply>(file_create_request{root_dir_id, "a", 10, 0, 0});
  f.now_ms += 5;
  auto b = f.ok<file_create_reply>(file_create_request{root_dir_id, "b", 10, 0, 0});
  f.now_ms += 5;
  auto c = f.ok<file_create_reply>(file_create_request{root_dir_id, "c", 0, 0, 0});
  auto index = pending_index(f);
  REQUIRE(index.size() == 3);
  CHECK(index[0] == pending_key{1000, a.file_id});  // oldest first
  CHECK(index[1] == pending_key{1005, b.file_id});
  CHECK(index[2] == pending_key{1010, c.file_id});

  // The commit takes its inode out of the index in the commit's transaction.
  auto parent = f.store->begin_write();
  REQUIRE(parent.ok());
  REQUIRE(f.state->handle(**parent, f.commit_for(a, 10, 3), f.now_ms, f.r).reply.ok());
  CHECK((*parent)->count_pending().value() == 2);
  (*parent)->abort();
  CHECK(pending_index(f).size() == 3);
  f.ok<file_commit_reply>(f.commit_for(a, 10, 3));
  f.ok<inode_drop_reply>(inode_drop_request{b.file_id});
  index = pending_index(f);
  REQUIRE(index.size() == 1);
  CHECK(index[0].file == c.file_id);

  f.now_ms += 10 * f.cfg.pending_ttl_ms;
  CHECK(expire(f) == 1);  // c, a 0-byte file with nothing to collect
  CHECK(f.ok<inode_get_reply>(inode_get_request{a.file_id}).inode.state == inode_state::committed);
  CHECK(f.ok<lookup_reply>(lookup_request{root_dir_id, {"a"}}).inode.has_value());
  CHECK(pending_index(f).empty());
  CHECK(expire(f) == 0);
}

TEST_CASE("one expiry drops at most pending_expire_max inodes, oldest first") {
  meta_fixture f;
  f.cfg.pending_expire_max = 2;
  f.open();
  std::vector<inode_id> ids;
  for (int i = 0; i < 5; ++i, ++f.now_ms)
    ids.push_back(
        f.ok<file_create_reply>(file_create_request{root_dir_id, "f" + std::to_string(i), 10, 0, 0})
            .file_id);
  f.now_ms += f.cfg.pending_ttl_ms + 10;
  CHECK(expire(f) == 2);
  CHECK(f.fails(inode_get_request{ids[0]}) == errc::not_found);
  CHECK(f.fails(inode_get_request{ids[1]}) == errc::not_found);
  CHECK(f.ok<inode_get_reply>(inode_get_request{ids[2]}).inode.id == ids[2]);
  CHECK(expire(f) == 2);
  CHECK(expire(f) == 1);
  CHECK(expire(f) == 0);
  CHECK(f.ok<shard_stats_reply>(shard_stats_request{}).stats.pending_files == 0);
  CHECK(f.gc_size() == 5);
}

TEST_CASE("a store written before the pending index gets its pending inodes indexed at open") {
  meta_fixture f;
  auto a = f.ok<file_create_reply>(file_create_request{root_dir_id, "a", 10, 0, 0});
  auto b = f.ok<file_create_reply>(file_create_request{root_dir_id, "b", 10, 0, 0});
  f.put_file(root_dir_id, "c", 10, 3);
  {  // what such a store looks like: pending inodes, no index
    auto txn = f.store->begin_write();
    REQUIRE(txn.ok());
    for (auto& key : pending_index(f)) REQUIRE((*txn)->delete_pending(key).ok());
    REQUIRE((*txn)->commit().ok());
  }
  REQUIRE(pending_index(f).empty());
  f.open();
  auto index = pending_index(f);
  REQUIRE(index.size() == 2);
  CHECK(index[0].file == a.file_id);
  CHECK(index[1].file == b.file_id);
  f.now_ms += f.cfg.pending_ttl_ms + 1;
  CHECK(expire(f) == 2);
}
