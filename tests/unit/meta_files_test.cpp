// meta_shard_state over a real LMDB store: file create/commit, the under-replicated and
// gc queues, id allocation and batch atomicity.
#include <set>

#include "meta_test_support.hpp"

using namespace cairn;
using cairn::test::meta_fixture;

TEST_CASE("committing a chunk with 2 of 3 replicas queues it in the commit's transaction") {
  meta_fixture f;
  auto c = f.ok<file_create_reply>(file_create_request{root_dir_id, "f", 150, 0, 0});
  REQUIRE(c.chunks.size() == 2);
  CHECK(c.min_replicas == 2);
  CHECK(c.final_replicas == 3);
  auto commit = f.commit_for(c, 150, 2);
  // Inside the commit's own transaction, before anything else commits, both the entry
  // and the queue entries exist...
  auto parent = f.store->begin_write();
  REQUIRE(parent.ok());
  auto out = f.state->handle(**parent, commit, f.now_ms, f.r);
  REQUIRE(out.reply.ok());
  CHECK(std::get<file_commit_reply>(out.reply.value()).under_replicated_chunks == 2);
  CHECK((*parent)->get_entry(root_dir_id, "f")->has_value());
  CHECK((*parent)->count_under_replicated().value() == 2);
  // ...and aborting it takes both away together.
  (*parent)->abort();
  CHECK(f.queue_size() == 0);
  CHECK(f.fails(lookup_request{root_dir_id, {"f"}}) == errc::not_found);
  f.ok<file_commit_reply>(commit);
  auto queue = f.reader()->scan_under_replicated(std::nullopt, 10);
  REQUIRE(queue.ok());
  REQUIRE(queue->size() == 2);
  CHECK(queue->at(0).first.live_replicas == 2);
  CHECK(queue->at(0).first.chunk == chunk_key{c.file_id, 0});
  CHECK(queue->at(0).second.reason == repair_reason::under_replicated);
  CHECK(queue->at(0).second.since_ms == f.now_ms);
}

TEST_CASE("committing every chunk with all 3 replicas leaves the queue empty") {
  meta_fixture f;
  auto id = f.put_file(root_dir_id, "f", 300, 3);
  CHECK(f.queue_size() == 0);
  auto inode = f.ok<inode_get_reply>(inode_get_request{id}).inode;
  CHECK(inode.state == inode_state::committed);
  REQUIRE(inode.chunks.size() == 3);
  for (auto& chunk : inode.chunks) CHECK(chunk.live_count() == 3);
  // The reverse index names every replica.
  for (auto& h : f.cfg.storage_hosts) {
    auto on_host = f.reader()->scan_node_chunks(h.id, {}, 10);
    REQUIRE(on_host.ok());
    CHECK(on_host->size() == 3);
  }
}

TEST_CASE("a lookup that ends at a committed local file answers with its inode") {
  meta_fixture f;
  auto id = f.put_file(root_dir_id, "f", 300, 3);
  auto found = f.ok<lookup_reply>(lookup_request{root_dir_id, {"f"}});
  REQUIRE(found.inode.has_value());
  CHECK(found.inode->id == id);
  CHECK(found.inode->chunks.size() == 3);
  // A directory carries none; nor does a pending file (it is not found at all).
  f.mkdir(root_dir_id, "d");
  CHECK_FALSE(f.ok<lookup_reply>(lookup_request{root_dir_id, {"d"}}).inode.has_value());
  f.ok<file_create_reply>(file_create_request{root_dir_id, "p", 10, 0, 0});
  CHECK(f.fails(lookup_request{root_dir_id, {"p"}}) == errc::not_found);
}

TEST_CASE("a pending file is invisible until its commit") {
  meta_fixture f;
  auto c = f.ok<file_create_reply>(file_create_request{root_dir_id, "f", 10, 0, 0});
  CHECK(f.fails(lookup_request{root_dir_id, {"f"}}) == errc::not_found);
  CHECK(f.ok<list_reply>(list_request{root_dir_id, "", 0}).entries.empty());
  CHECK(f.ok<inode_get_reply>(inode_get_request{c.file_id}).inode.state == inode_state::pending);
  auto stats = f.ok<shard_stats_reply>(shard_stats_request{}).stats;
  CHECK(stats.pending_files == 1);
  CHECK(stats.files == 0);
  f.ok<file_commit_reply>(f.commit_for(c, 10, 3));
  stats = f.ok<shard_stats_reply>(shard_stats_request{}).stats;
  CHECK(stats.pending_files == 0);
  CHECK(stats.files == 1);
  CHECK(stats.bytes == 10);
}

TEST_CASE("file_create checks the parent, the name, the replica counts and the hosts up") {
  meta_fixture f;
  f.mkdir(root_dir_id, "d");
  f.put_file(root_dir_id, "taken", 1, 3);
  CHECK(f.fails(file_create_request{make_inode_id(0, 999), "f", 1, 0, 0}) == errc::not_found);
  CHECK(f.fails(file_create_request{root_dir_id, "taken", 1, 0, 0}) == errc::already_exists);
  CHECK(f.fails(file_create_request{root_dir_id, "d", 1, 0, 0}) == errc::is_a_directory);
  CHECK(f.fails(file_create_request{root_dir_id, "..", 1, 0, 0}) == errc::invalid_argument);
  CHECK(f.fails(file_create_request{root_dir_id, "f", 1, 3, 2}) == errc::invalid_argument);
  CHECK(f.fails(file_create_request{root_dir_id, "f", 1, 2, 4}) == errc::invalid_argument);
  CHECK(f.fails(file_create_request{root_dir_id, "f", uint64_t{1} << 40, 0, 0}) ==
        errc::invalid_argument);
  f.cfg.storage_hosts[0].up = false;
  f.cfg.storage_hosts[1].up = false;
  f.open();
  CHECK(f.fails(file_create_request{root_dir_id, "f", 1, 0, 0}) == errc::unavailable);
  // A 0-byte file has no chunks and needs no host.
  auto empty = f.ok<file_create_reply>(file_create_request{root_dir_id, "e", 0, 0, 0});
  CHECK(empty.chunks.empty());
}

TEST_CASE("file_commit validates its chunks and succeeds again when retried") {
  meta_fixture f;
  auto c = f.ok<file_create_reply>(file_create_request{root_dir_id, "f", 150, 0, 0});
  auto good = f.commit_for(c, 150, 3);
  auto short_list = good;
  short_list.chunks.pop_back();
  CHECK(f.fails(short_list) == errc::invalid_argument);
  auto twice = good;
  twice.chunks[1].index = 0;
  CHECK(f.fails(twice) == errc::invalid_argument);
  auto wrong_length = good;
  wrong_length.chunks[1].length = 49;
  CHECK(f.fails(wrong_length) == errc::invalid_argument);
  auto below_min = f.commit_for(c, 150, 1);
  CHECK(f.fails(below_min) == errc::invalid_argument);
  auto duplicate_host = good;
  duplicate_host.chunks[0].replicas = {1, 1};
  CHECK(f.fails(duplicate_host) == errc::invalid_argument);
  auto unknown_host = good;
  unknown_host.chunks[0].replicas.push_back(99);
  CHECK(f.fails(unknown_host) == errc::invalid_argument);
  CHECK(f.fails(file_commit_request{make_inode_id(0, 999), {}}) == errc::not_found);
  CHECK(f.ok<inode_get_reply>(inode_get_request{c.file_id}).inode.state == inode_state::pending);
  CHECK(f.ok<file_commit_reply>(good).under_replicated_chunks == 0);
  CHECK(f.ok<file_commit_reply>(good).under_replicated_chunks == 0);
}

TEST_CASE("a commit whose name was taken meanwhile fails and the inode stays pending") {
  meta_fixture f;
  auto c = f.ok<file_create_reply>(file_create_request{root_dir_id, "f", 10, 0, 0});
  f.ok<link_reply>(link_request{root_dir_id, "f", entry_kind::file, make_inode_id(1, 5)});
  CHECK(f.fails(f.commit_for(c, 10, 3)) == errc::already_exists);
  CHECK(f.ok<inode_get_reply>(inode_get_request{c.file_id}).inode.state == inode_state::pending);
  CHECK(f.queue_size() == 0);
}

TEST_CASE("ids are unique and are never reused after a reopen") {
  meta_fixture f(5);  // shard 5: no root here, so parents must be local directories
  std::set<inode_id> seen;
  inode_id dir = f.ok<dir_create_reply>(dir_create_request{root_dir_id, "d"}).dir_id;
  seen.insert(dir);
  CHECK(home_shard(dir) == 5);
  for (int i = 0; i < 20; ++i) {
    auto c = f.ok<file_create_reply>(file_create_request{dir, "f" + std::to_string(i), 1, 0, 0});
    CHECK(seen.insert(c.file_id).second);
  }
  // A failed request allocates nothing that is ever exposed; a reopen continues after
  // the highest id handed out.
  CHECK(f.fails(file_create_request{dir, "f0", 1, 9, 9}) == errc::invalid_argument);
  inode_id highest = *seen.rbegin();
  f.open();
  auto after = f.ok<dir_create_reply>(dir_create_request{root_dir_id, "e"}).dir_id;
  CHECK(after > highest);
  CHECK(seen.count(after) == 0);
  CHECK(home_shard(after) == 5);
}

// Delegates to a real transaction but fails put_under_replicated, the last write of a
// commit, so the request fails after it already wrote its entry and index.
class failing_queue_txn final : public cairn::test::forwarding_txn {
 public:
  using forwarding_txn::forwarding_txn;
  status put_under_replicated(const under_replicated_key&,
                              const under_replicated_record&) override {
    return error{errc::io_error, "injected"};
  }
};

TEST_CASE("a request failing inside a batch leaves no partial writes and spares the others") {
  meta_fixture f;
  auto c = f.ok<file_create_reply>(file_create_request{root_dir_id, "f", 10, 0, 0});
  auto parent = f.store->begin_write();
  REQUIRE(parent.ok());
  // First request of the batch: a mkdir that succeeds.
  auto first = (*parent)->begin_nested();
  REQUIRE(first.ok());
  auto made = f.state->handle(**first, dir_create_request{root_dir_id, "d"}, f.now_ms, f.r);
  REQUIRE(made.reply.ok());
  REQUIRE((*first)->commit().ok());
  // Second: a commit with 2 of 3 replicas that fails at its last write.
  auto second = (*parent)->begin_nested();
  REQUIRE(second.ok());
  failing_queue_txn failing(**second);
  auto failed = f.state->handle(failing, f.commit_for(c, 10, 2), f.now_ms, f.r);
  CHECK(failed.reply.code() == errc::io_error);
  CHECK((*second)->get_entry(root_dir_id, "f")->has_value());  // it did write before failing
  (*second)->abort();
  REQUIRE((*parent)->commit().ok());
  CHECK(f.fails(lookup_request{root_dir_id, {"f"}}) == errc::not_found);
  CHECK(f.ok<inode_get_reply>(inode_get_request{c.file_id}).inode.state == inode_state::pending);
  CHECK(f.reader()->scan_node_chunks(c.chunks[0].targets[0], {}, 10)->empty());
  auto stats = f.ok<shard_stats_reply>(shard_stats_request{}).stats;
  CHECK(stats.files == 0);
  CHECK(stats.pending_files == 1);
  auto dir_id = std::get<dir_create_reply>(made.reply.value()).dir_id;
  CHECK(f.reader()->get_dir(dir_id)->has_value());
}

TEST_CASE("a corruption report and an added replica move the chunk through the queue") {
  meta_fixture f;
  auto c = f.ok<file_create_reply>(file_create_request{root_dir_id, "f", 10, 0, 0});
  f.ok<file_commit_reply>(f.commit_for(c, 10, 3));
  auto hosts = c.chunks[0].targets;
  CHECK(f.queue_size() == 0);
  f.ok<corrupt_report_reply>(corrupt_report_request{c.file_id, 0, hosts[0]});
  f.ok<corrupt_report_reply>(corrupt_report_request{c.file_id, 0, hosts[0]});  // idempotent
  auto queue = f.reader()->scan_under_replicated(std::nullopt, 10).value();
  REQUIRE(queue.size() == 1);
  CHECK(queue[0].first.live_replicas == 2);
  CHECK(queue[0].second.reason == repair_reason::corrupt);
  f.now_ms = 2000;
  f.ok<corrupt_report_reply>(corrupt_report_request{c.file_id, 0, hosts[1]});
  queue = f.reader()->scan_under_replicated(std::nullopt, 10).value();
  REQUIRE(queue.size() == 1);
  CHECK(queue[0].first.live_replicas == 1);
  CHECK(queue[0].second.since_ms == 1000);  // when it first needed repair
  CHECK(f.fails(corrupt_report_request{c.file_id, 0, 99}) == errc::not_found);
  CHECK(f.fails(corrupt_report_request{c.file_id, 5, hosts[0]}) == errc::not_found);
  // A repaired replica with the wrong checksum is refused; right ones refill the chunk.
  CHECK(f.fails(replica_add_request{c.file_id, 0, hosts[0], 1}) == errc::corrupt);
  uint32_t crc = 0xC0FFEE00u;
  f.ok<replica_add_reply>(replica_add_request{c.file_id, 0, hosts[0], crc});
  f.ok<replica_add_reply>(replica_add_request{c.file_id, 0, hosts[0], crc});  // idempotent
  queue = f.reader()->scan_under_replicated(std::nullopt, 10).value();
  REQUIRE(queue.size() == 1);
  CHECK(queue[0].first.live_replicas == 2);
  f.ok<replica_add_reply>(replica_add_request{c.file_id, 0, hosts[1], crc});
  CHECK(f.queue_size() == 0);
}

TEST_CASE("a replica added to an under-replicated chunk leaves the queue at final") {
  meta_fixture f;
  auto c = f.ok<file_create_reply>(file_create_request{root_dir_id, "f", 10, 0, 0});
  f.ok<file_commit_reply>(f.commit_for(c, 10, 2));
  CHECK(f.queue_size() == 1);
  auto third = c.chunks[0].targets[2];
  f.ok<replica_add_reply>(replica_add_request{c.file_id, 0, third, 0xC0FFEE00u});
  CHECK(f.queue_size() == 0);
  CHECK(f.reader()->scan_node_chunks(third, {}, 10)->size() == 1);
  CHECK(f.fails(replica_add_request{c.file_id, 0, 99, 0xC0FFEE00u}) == errc::invalid_argument);
}

TEST_CASE("unlinking a file queues its chunks for gc and removes its index and queue entries") {
  meta_fixture f;
  auto c = f.ok<file_create_reply>(file_create_request{root_dir_id, "f", 150, 0, 0});
  f.ok<file_commit_reply>(f.commit_for(c, 150, 2));
  CHECK(f.queue_size() == 2);
  auto out = f.run(unlink_request{root_dir_id, "f", 0, false});
  REQUIRE(out.reply.ok());
  CHECK(out.gc_queued);
  CHECK(std::get<unlink_reply>(out.reply.value()).inode_dropped);
  CHECK(f.queue_size() == 0);
  CHECK(f.gc_size() == 2);
  auto gc = f.reader()->get_gc({c.file_id, 0}).value();
  REQUIRE(gc.has_value());
  CHECK(gc->hosts.size() == 2);
  for (auto& h : f.cfg.storage_hosts) CHECK(f.reader()->scan_node_chunks(h.id, {}, 10)->empty());
  auto stats = f.ok<shard_stats_reply>(shard_stats_request{}).stats;
  CHECK(stats.files == 0);
  CHECK(stats.bytes == 0);
  CHECK(stats.gc_pending == 2);
  // Each host's confirmation shrinks the record; the last one removes it.
  f.ok<gc_done_reply>(gc_done_request{{c.file_id, 0}, gc->hosts[0]});
  CHECK(f.reader()->get_gc({c.file_id, 0}).value()->hosts.size() == 1);
  f.ok<gc_done_reply>(gc_done_request{{c.file_id, 0}, gc->hosts[1]});
  CHECK_FALSE(f.reader()->get_gc({c.file_id, 0}).value().has_value());
}

TEST_CASE("dropping a pending inode queues its placement targets for gc") {
  meta_fixture f;
  auto c = f.ok<file_create_reply>(file_create_request{root_dir_id, "f", 10, 0, 0});
  f.ok<inode_drop_reply>(inode_drop_request{c.file_id});
  CHECK(f.gc_size() == 1);
  CHECK(f.reader()->get_gc({c.file_id, 0}).value()->hosts.size() == 3);
  CHECK(f.ok<shard_stats_reply>(shard_stats_request{}).stats.pending_files == 0);
  CHECK(f.reader()->count_pending().value() == 0);
  // A retried drop succeeds and changes nothing.
  f.ok<inode_drop_reply>(inode_drop_request{c.file_id});
  CHECK(f.gc_size() == 1);
}
