// Id reservation: ids come from memory below a persisted ceiling that rises in blocks;
// lost batches and reopens never make an id that was handed out come back.
#include <algorithm>
#include <set>

#include "actors/meta_shard/id_allocator.hpp"
#include "meta_test_support.hpp"

using namespace cairn;
using cairn::test::meta_fixture;

namespace {

constexpr uint64_t block = 8;

uint64_t persisted_ceiling(meta_fixture& f) {
  auto c = f.reader()->get_counters().value();
  REQUIRE(c.has_value());
  return c->counter_ceiling;
}

file_create_request create(const std::string& name) {
  return file_create_request{root_dir_id, name, 10, 0, 0};
}

inode_id created_id(const meta_outcome& out) {
  REQUIRE(out.reply.ok());
  return std::get<file_create_reply>(out.reply.value()).file_id;
}

}  // namespace

TEST_CASE("the ceiling rises by whole blocks once the next id is within half a block of it") {
  id_allocator ids(block);
  ids.load(first_counter);
  CHECK(ids.stage() == first_counter + block);  // a fresh shard reserves its first block
  ids.committed();
  CHECK(ids.durable_ceiling() == first_counter + block);
  for (uint64_t i = 0; i < 4; ++i) CHECK(ids.allocate() == first_counter + i);
  CHECK_FALSE(ids.stage().has_value());  // 6 + 4 <= 10: half a block of room left
  CHECK(ids.allocate() == 6);
  CHECK(ids.stage() == 18);
  CHECK(ids.is_durable(9));
  CHECK_FALSE(ids.is_durable(10));  // staged is not durable
  CHECK(ids.stage() == 18);         // a lost batch's raise is staged again
  ids.committed();
  CHECK(ids.is_durable(17));
  CHECK_FALSE(ids.is_durable(18));
  // A batch that ran past the durable ceiling raises it by as many blocks as it needs.
  while (ids.next() < 30) ids.allocate();
  CHECK(ids.stage() == 34);
  ids.committed();
  CHECK((ids.durable_ceiling() - first_counter) % block == 0);
}

TEST_CASE("the persisted ceiling advances in blocks and stays ahead of the ids handed out") {
  meta_fixture f(0, 100, block);
  CHECK(persisted_ceiling(f) == first_counter + block);
  uint64_t last = persisted_ceiling(f);
  for (int i = 0; i < 40; ++i) {
    auto id = f.ok<file_create_reply>(create("f" + std::to_string(i))).file_id;
    uint64_t ceiling = persisted_ceiling(f);
    CHECK((id & counter_max) < ceiling);
    CHECK(ceiling - (id & counter_max) > block / 2);
    CHECK((ceiling - first_counter) % block == 0);
    CHECK((ceiling == last || ceiling == last + block));
    last = ceiling;
  }
  CHECK(last > first_counter + 4 * block);
}

TEST_CASE("ids never repeat across a reopen even when the batch raising the ceiling was lost") {
  meta_fixture f(0, 100, block);  // durable ceiling 10 after bootstrap
  std::set<inode_id> handed_out;
  handed_out.insert(f.ok<file_create_reply>(create("a")).file_id);  // 2
  handed_out.insert(f.ok<file_create_reply>(create("b")).file_id);  // 3
  // A batch that is lost after answering its creates early and staging a raise.
  {
    auto parent = f.store->begin_write();
    REQUIRE(parent.ok());
    for (std::string name : {"c", "d", "e"}) {
      auto out = f.run_in(**parent, create(name));
      CHECK(out.reply_early);
      CHECK(handed_out.insert(created_id(out)).second);
    }
    REQUIRE(f.state->reserve_ids(**parent).ok());
    CHECK((*parent)->get_counters().value()->counter_ceiling == 18);
    (*parent)->abort();
  }
  CHECK(persisted_ceiling(f) == 10);
  inode_id highest = *handed_out.rbegin();
  f.open();
  for (int i = 0; i < 3 * static_cast<int>(block); ++i) {
    auto id = f.ok<file_create_reply>(create("g" + std::to_string(i))).file_id;
    CHECK(id > highest);
    CHECK(handed_out.insert(id).second);
  }
}

TEST_CASE("ids stay distinct and increasing through lost batches and reopens") {
  meta_fixture f(0, 100, block);
  std::set<inode_id> handed_out;
  inode_id highest = 0;
  for (int round = 0; round < 60; ++round) {
    bool lost = round % 3 == 1;
    {
      auto parent = f.store->begin_write();
      REQUIRE(parent.ok());
      std::vector<inode_id> late;
      for (int i = 0; i < 1 + round % 7; ++i) {
        auto name = "r" + std::to_string(round) + "-" + std::to_string(i);
        auto out = f.run_in(**parent, create(name));
        inode_id id = created_id(out);
        CHECK(id > highest);
        if (out.reply_early) {
          CHECK(handed_out.insert(id).second);
          highest = std::max(highest, id);
        } else {
          late.push_back(id);
        }
      }
      if (lost) {
        REQUIRE(f.state->reserve_ids(**parent).ok());
        (*parent)->abort();  // only the early answers were handed out
      } else {
        f.commit_batch(**parent);
        for (inode_id id : late) {
          CHECK((id & counter_max) < persisted_ceiling(f));
          CHECK(handed_out.insert(id).second);
          highest = std::max(highest, id);
        }
      }
    }
    if (round % 5 == 4) f.open();
  }
}

TEST_CASE("a fileCreate at or above the durable ceiling is answered only after the commit") {
  meta_fixture f(0, 100, block);  // durable ceiling 10: counters 2..9 may answer early
  auto parent = f.store->begin_write();
  REQUIRE(parent.ok());
  for (int i = 0; i < 10; ++i) {
    auto out = f.run_in(**parent, create("f" + std::to_string(i)));
    uint64_t counter = created_id(out) & counter_max;
    CHECK(out.reply_early == (counter < 10));
  }
  f.commit_batch(**parent);
  CHECK(persisted_ceiling(f) == 18);
  CHECK(f.state->ids().is_durable(17));
}

TEST_CASE("only a fileCreate is answered early") {
  meta_fixture f(0, 100, block);
  auto c = f.run(create("f"));
  CHECK(c.reply_early);
  auto created = std::get<file_create_reply>(c.reply.value());
  auto commit = f.run(f.commit_for(created, 10, 3));
  REQUIRE(commit.reply.ok());
  CHECK_FALSE(commit.reply_early);
  auto dir = f.run(dir_create_request{root_dir_id, "d"});
  REQUIRE(dir.reply.ok());
  CHECK_FALSE(dir.reply_early);
  auto failed = f.run(create("f"));
  CHECK(failed.reply.code() == errc::already_exists);
  CHECK_FALSE(failed.reply_early);
}

TEST_CASE("a store written when the counter held the next id continues at that id") {
  meta_fixture f(0, 100, block);
  {
    auto t = f.store->begin_write().value();
    auto c = t->get_counters().value().value();
    c.counter_ceiling = 500;  // the old meaning: the next counter to hand out
    REQUIRE(t->put_counters(c).ok());
    REQUIRE(t->commit().ok());
  }
  f.open();
  CHECK((f.ok<file_create_reply>(create("f")).file_id & counter_max) == 500);
  CHECK(persisted_ceiling(f) == 500 + block);
}
