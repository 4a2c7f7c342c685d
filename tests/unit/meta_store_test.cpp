// The LMDB meta store on its own: key order, scans, corrupt values, nested txns.
#include <lmdb.h>

#include "meta_test_support.hpp"

using namespace cairn;
using cairn::test::meta_fixture;

TEST_CASE("the under-replicated queue yields the chunks with the fewest live replicas first") {
  meta_fixture f;
  auto t = f.store->begin_write().value();
  REQUIRE(t->put_under_replicated({2, {9, 0}}, {repair_reason::under_replicated, 2, 3, 1}).ok());
  REQUIRE(t->put_under_replicated({0, {500, 3}}, {repair_reason::host_lost, 0, 3, 2}).ok());
  REQUIRE(t->put_under_replicated({1, {1, 1}}, {repair_reason::corrupt, 1, 3, 3}).ok());
  REQUIRE(t->commit().ok());
  auto q = f.reader()->scan_under_replicated(std::nullopt, 10).value();
  REQUIRE(q.size() == 3);
  CHECK(q[0].first.live_replicas == 0);
  CHECK(q[0].first.chunk == chunk_key{500, 3});
  CHECK(q[0].second.reason == repair_reason::host_lost);
  CHECK(q[1].first.live_replicas == 1);
  CHECK(q[2].first.live_replicas == 2);
  CHECK(f.reader()->scan_under_replicated(std::nullopt, 1).value().size() == 1);
}

TEST_CASE("the pending index scans by creation time, negative times first, up to a bound") {
  meta_fixture f;
  auto t = f.store->begin_write().value();
  REQUIRE(t->put_pending({500, 7}).ok());
  REQUIRE(t->put_pending({-20, 9}).ok());
  REQUIRE(t->put_pending({500, 3}).ok());
  REQUIRE(t->put_pending({INT64_MAX - 1, 1}).ok());
  REQUIRE(t->commit().ok());
  auto all = f.reader()->scan_pending(INT64_MAX, 10).value();
  REQUIRE(all.size() == 4);
  CHECK(all[0] == pending_key{-20, 9});
  CHECK(all[1] == pending_key{500, 3});
  CHECK(all[2] == pending_key{500, 7});
  CHECK(f.reader()->scan_pending(500, 10).value().size() == 1);  // strictly before 500
  CHECK(f.reader()->scan_pending(501, 2).value().size() == 2);
  CHECK(f.reader()->count_pending().value() == 4);
}

TEST_CASE("the drop outbox scans in id order and resumes after a record") {
  meta_fixture f;
  auto t = f.store->begin_write().value();
  for (inode_id id : {make_inode_id(2, 5), make_inode_id(1, 9), make_inode_id(1, 4)})
    REQUIRE(t->put_drop_outbox(id).ok());
  REQUIRE(t->commit().ok());
  auto first = f.reader()->scan_drop_outbox(std::nullopt, 2).value();
  CHECK(first == std::vector<inode_id>{make_inode_id(1, 4), make_inode_id(1, 9)});
  CHECK(f.reader()->scan_drop_outbox(first.back(), 10).value() ==
        std::vector<inode_id>{make_inode_id(2, 5)});
  CHECK(f.reader()->count_drop_outbox().value() == 3);
}

TEST_CASE("the node index scans one host's chunks in order and resumes after a key") {
  meta_fixture f;
  auto t = f.store->begin_write().value();
  for (uint32_t i = 0; i < 5; ++i) REQUIRE(t->put_node_chunk(3, {100, i}).ok());
  REQUIRE(t->put_node_chunk(2, {100, 0}).ok());
  REQUIRE(t->put_node_chunk(4, {1, 0}).ok());
  REQUIRE(t->commit().ok());
  auto first = f.reader()->scan_node_chunks(3, {}, 2).value();
  REQUIRE(first.size() == 2);
  CHECK(first[0] == chunk_key{100, 0});
  auto rest = f.reader()->scan_node_chunks(3, first.back(), 10).value();
  REQUIRE(rest.size() == 3);
  CHECK(rest[0] == chunk_key{100, 2});
  CHECK(rest[2] == chunk_key{100, 4});
}

TEST_CASE("a stored value that is not a record reads as corrupt, not a crash") {
  meta_fixture f;
  std::string path = f.dir;
  f.state.reset();
  f.store.reset();
  {
    // Write garbage straight into the entries database.
    MDB_env* env = nullptr;
    REQUIRE(mdb_env_create(&env) == 0);
    REQUIRE(mdb_env_set_maxdbs(env, 8) == 0);
    REQUIRE(mdb_env_open(env, path.c_str(), MDB_NOTLS, 0644) == 0);
    MDB_txn* txn = nullptr;
    REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
    MDB_dbi dbi;
    REQUIRE(mdb_dbi_open(txn, "entries", 0, &dbi) == 0);
    std::string key(8, '\0');
    key[7] = 1;  // root_dir_id
    key += "bad";
    std::string value(16, '\xFF');
    MDB_val k{key.size(), key.data()}, v{value.size(), value.data()};
    REQUIRE(mdb_put(txn, dbi, &k, &v, 0) == 0);
    std::string key2 = key.substr(0, 8) + "odd";
    std::string value2 = "abc";
    MDB_val k2{key2.size(), key2.data()}, v2{value2.size(), value2.data()};
    REQUIRE(mdb_put(txn, dbi, &k2, &v2, 0) == 0);
    REQUIRE(mdb_txn_commit(txn) == 0);
    mdb_env_close(env);
  }
  f.open();
  CHECK(f.fails(lookup_request{root_dir_id, {"bad"}}) == errc::corrupt);
  CHECK(f.fails(lookup_request{root_dir_id, {"odd"}}) == errc::corrupt);
  CHECK(f.fails(list_request{root_dir_id, "", 0}) == errc::corrupt);
}

TEST_CASE("an aborted nested transaction leaves its parent as it was") {
  meta_fixture f;
  auto parent = f.store->begin_write().value();
  REQUIRE(parent->put_dir(make_inode_id(0, 50), {root_dir_id, "kept"}).ok());
  {
    auto child = parent->begin_nested().value();
    REQUIRE(child->put_dir(make_inode_id(0, 51), {root_dir_id, "dropped"}).ok());
    CHECK(child->get_dir(make_inode_id(0, 50))->has_value());  // sees the parent's write
    child->abort();
  }
  REQUIRE(parent->commit().ok());
  CHECK(f.reader()->get_dir(make_inode_id(0, 50))->has_value());
  CHECK_FALSE(f.reader()->get_dir(make_inode_id(0, 51))->has_value());
}

TEST_CASE("a read transaction refuses writes and opening a bad directory says why") {
  meta_fixture f;
  CHECK(f.reader()->put_dir(1, {}).code() == errc::internal);
  auto bad = lmdb_meta_store::open({"/proc/cairn-cannot-exist/meta-0"});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.code() == errc::io_error);
  CHECK(bad.err().message.find("/proc/cairn-cannot-exist") != std::string::npos);
}
