// meta_shard_state and drop_planner over real LMDB stores: the shard that unlinks a
// file entry owns dropping its inode on the inode's shard (a durable drop_outbox record,
// sent until acknowledged); inodeDrop is idempotent; a cross-shard rename keeps the inode.
#include "actors/meta_shard/drop_planner.hpp"
#include "meta_test_support.hpp"

using namespace cairn;
using cairn::test::meta_fixture;

namespace {

void enable_remote_drops(meta_fixture& f) {
  f.cfg.remote_drops = true;
  f.open();
}

std::vector<inode_id> outbox(meta_fixture& f) {
  auto files = f.reader()->scan_drop_outbox(std::nullopt, 1000);
  REQUIRE(files.ok());
  return *files;
}

std::vector<inode_id> plan(drop_planner& p, meta_fixture& f, int64_t now_ms) {
  auto sends = p.plan(*f.reader(), now_ms);
  REQUIRE(sends.ok());
  return *sends;
}

// What the shell does: sends each planned drop to `to`, reports the answer, and runs
// the drop_done write on `from` for a final one.
void deliver_outbox(drop_planner& p, meta_fixture& from, meta_fixture& to) {
  for (inode_id file : plan(p, from, from.now_ms)) {
    status answer = ok_status();
    if (auto out = to.run(inode_drop_request{file}); !out.reply) answer = out.reply.err();
    if (auto done = p.on_answer(file, answer, from.now_ms)) {
      from.ok<drop_done_reply>(*done);
      p.release(file);
    }
  }
}

// A committed file on shard 1 (in a directory there), moved into shard 0's root the way
// the client moves across shards: link at the destination, then unlink the source
// keeping the inode.
inode_id file_moved_to_shard_0(meta_fixture& s0, meta_fixture& s1) {
  auto dir = s1.ok<dir_create_reply>(dir_create_request{root_dir_id, "d"}).dir_id;
  auto file = s1.put_file(dir, "f", 150, 3);
  s0.ok<link_reply>(link_request{root_dir_id, "f", entry_kind::file, file});
  auto moved = s1.ok<unlink_reply>(unlink_request{dir, "f", file, true});
  CHECK_FALSE(moved.inode_dropped);
  CHECK_FALSE(moved.inode_drop_queued);
  return file;
}

}  // namespace

TEST_CASE("unlinking a file whose inode is remote writes its drop_outbox record in that txn") {
  meta_fixture f;
  enable_remote_drops(f);
  inode_id remote = make_inode_id(1, 10);
  f.ok<link_reply>(link_request{root_dir_id, "x", entry_kind::file, remote});
  // Inside the unlink's transaction the entry is gone and the record is there; aborting
  // it takes both back.
  auto parent = f.store->begin_write();
  REQUIRE(parent.ok());
  auto out =
      f.state->handle(**parent, unlink_request{root_dir_id, "x", remote, false}, f.now_ms, f.r);
  REQUIRE(out.reply.ok());
  CHECK(out.drops_queued);
  CHECK_FALSE((*parent)->get_entry(root_dir_id, "x")->has_value());
  CHECK((*parent)->count_drop_outbox().value() == 1);
  (*parent)->abort();
  CHECK(outbox(f).empty());

  auto gone = f.ok<unlink_reply>(unlink_request{root_dir_id, "x", remote, false});
  CHECK(gone.id == remote);
  CHECK_FALSE(gone.inode_dropped);
  CHECK(gone.inode_drop_queued);
  CHECK(outbox(f) == std::vector<inode_id>{remote});
  // The acknowledgement's write removes the record; a second one changes nothing.
  f.ok<drop_done_reply>(drop_done_request{remote});
  CHECK(outbox(f).empty());
  f.ok<drop_done_reply>(drop_done_request{remote});
}

TEST_CASE("without remote_drops the unlink leaves a remote inode's drop to the client") {
  meta_fixture f;
  inode_id remote = make_inode_id(1, 10);
  f.ok<link_reply>(link_request{root_dir_id, "x", entry_kind::file, remote});
  auto out = f.run(unlink_request{root_dir_id, "x", remote, false});
  REQUIRE(out.reply.ok());
  CHECK_FALSE(out.drops_queued);
  CHECK_FALSE(std::get<unlink_reply>(out.reply.value()).inode_drop_queued);
  CHECK(outbox(f).empty());
}

TEST_CASE("a local file, a directory and a kept inode queue no remote drop") {
  meta_fixture f;
  enable_remote_drops(f);
  f.put_file(root_dir_id, "local", 10, 3);
  CHECK(f.ok<unlink_reply>(unlink_request{root_dir_id, "local", 0, false}).inode_dropped);
  f.ok<link_reply>(link_request{root_dir_id, "dir", entry_kind::directory, make_inode_id(1, 5)});
  CHECK_FALSE(f.ok<unlink_reply>(unlink_request{root_dir_id, "dir", 0, false}).inode_drop_queued);
  f.ok<link_reply>(link_request{root_dir_id, "kept", entry_kind::file, make_inode_id(1, 6)});
  CHECK_FALSE(f.ok<unlink_reply>(unlink_request{root_dir_id, "kept", 0, true}).inode_drop_queued);
  CHECK(outbox(f).empty());
}

TEST_CASE("a cross-shard rename keeps the inode, and removing the file later drops it there") {
  meta_fixture s0{0}, s1{1};
  enable_remote_drops(s0);
  enable_remote_drops(s1);
  auto file = file_moved_to_shard_0(s0, s1);
  CHECK(outbox(s0).empty());
  CHECK(outbox(s1).empty());
  CHECK(s1.ok<inode_get_reply>(inode_get_request{file}).inode.state == inode_state::committed);
  CHECK(s1.gc_size() == 0);

  auto removed = s0.ok<unlink_reply>(unlink_request{root_dir_id, "f", file, false});
  CHECK(removed.inode_drop_queued);
  drop_planner planner{drop_planner_config{}};
  deliver_outbox(planner, s0, s1);
  CHECK(outbox(s0).empty());
  CHECK(planner.inflight() == 0);
  CHECK(s1.fails(inode_get_request{file}) == errc::not_found);
  CHECK(s1.gc_size() == 2);  // both chunks, every replica
  CHECK(s1.ok<shard_stats_reply>(shard_stats_request{}).stats.files == 0);
}

TEST_CASE("inodeDrop is idempotent for an inode of this shard and not_found for another's") {
  meta_fixture f;
  auto file = f.put_file(root_dir_id, "f", 10, 3);
  f.ok<unlink_reply>(unlink_request{root_dir_id, "f", 0, true});
  f.ok<inode_drop_reply>(inode_drop_request{file});
  f.ok<inode_drop_reply>(inode_drop_request{file});
  CHECK(f.gc_size() == 1);
  f.ok<inode_drop_reply>(inode_drop_request{make_inode_id(0, 123456)});  // never existed
  CHECK(f.fails(inode_drop_request{make_inode_id(1, 10)}) == errc::not_found);
}

TEST_CASE("the drop planner sends each record once and backs a failing shard off, doubling") {
  meta_fixture f;
  enable_remote_drops(f);
  inode_id on1 = make_inode_id(1, 10), on2 = make_inode_id(2, 10);
  for (inode_id id : {on1, on2}) {
    f.ok<link_reply>(link_request{root_dir_id, std::to_string(id), entry_kind::file, id});
    f.ok<unlink_reply>(unlink_request{root_dir_id, std::to_string(id), 0, false});
  }
  drop_planner p{drop_planner_config{}};
  int64_t t = 0;
  CHECK(plan(p, f, t) == std::vector<inode_id>{on1, on2});
  CHECK(plan(p, f, t).empty());  // both in flight
  CHECK(p.inflight() == 2);

  CHECK_FALSE(p.on_answer(on1, error{errc::timeout, "lost"}, t));
  CHECK(plan(p, f, t + 999).empty());
  CHECK(plan(p, f, t + 1000) == std::vector<inode_id>{on1});
  CHECK_FALSE(p.on_answer(on1, error{errc::unavailable, "down"}, t + 1000));
  CHECK(plan(p, f, t + 2999).empty());  // 2 s now
  CHECK(plan(p, f, t + 3000) == std::vector<inode_id>{on1});

  // Acknowledged: the done write removes the record; released, nothing is left to send.
  auto done = p.on_answer(on1, ok_status(), t + 3000);
  REQUIRE(done.has_value());
  CHECK(done->file == on1);
  f.ok<drop_done_reply>(*done);
  p.release(on1);
  // A refusal for good (the inode is still linked there) ends the record too.
  auto refused = p.on_answer(on2, error{errc::invalid_argument, "still linked"}, t + 3000);
  REQUIRE(refused.has_value());
  f.ok<drop_done_reply>(*refused);
  p.release(on2);
  CHECK(outbox(f).empty());
  CHECK(plan(p, f, t + 100000).empty());
}

TEST_CASE("the drop planner keeps at most inflight_max drops in flight") {
  meta_fixture f;
  enable_remote_drops(f);
  for (uint64_t i = 0; i < 5; ++i) {
    inode_id id = make_inode_id(1, 100 + i);
    f.ok<link_reply>(link_request{root_dir_id, "f" + std::to_string(i), entry_kind::file, id});
    f.ok<unlink_reply>(unlink_request{root_dir_id, "f" + std::to_string(i), 0, false});
  }
  drop_planner p{drop_planner_config{2, 256, 1000, 60000}};
  CHECK(plan(p, f, 0).size() == 2);
  CHECK(plan(p, f, 0).empty());
  CHECK_FALSE(p.on_answer(make_inode_id(1, 100), error{errc::timeout, ""}, 0));
  CHECK(plan(p, f, 0).empty());  // shard 1 backs off
  CHECK(plan(p, f, 1000).size() == 1);
}
