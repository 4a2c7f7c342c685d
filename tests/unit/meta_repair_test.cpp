// meta_shard_state over a real LMDB store: membership changes (apply_map), the walk of
// a host's node -> chunk index, the repairers' queue, replicaAdd from a repair and the
// reconciliation of a returning host's copies (chunkCheck).
#include <set>

#include "meta_test_support.hpp"

using namespace cairn;
using cairn::test::meta_fixture;

namespace {

// Counts what a request reads: inodes, and every other record kind that a full
// metadata scan would touch.
class counting_txn final : public cairn::test::forwarding_txn {
 public:
  using forwarding_txn::forwarding_txn;
  size_t inodes_read = 0, node_keys_read = 0, other_scans = 0;

  result<std::optional<inode_record>> get_inode(inode_id i) override {
    ++inodes_read;
    return t_.get_inode(i);
  }
  result<std::vector<chunk_key>> scan_node_chunks(host_id h, chunk_key a, size_t l) override {
    auto keys = t_.scan_node_chunks(h, a, l);
    if (keys) node_keys_read += keys->size();
    return keys;
  }
  result<std::vector<inode_record>> scan_inodes(std::optional<inode_id> a, size_t l) override {
    ++other_scans;
    return t_.scan_inodes(a, l);
  }
  result<std::vector<named_entry>> list_entries(inode_id p, std::string_view s, size_t l) override {
    ++other_scans;
    return t_.list_entries(p, s, l);
  }
};

cluster_map map_with(const meta_fixture& f, uint64_t epoch,
                     std::vector<std::pair<host_id, host_state>> states) {
  cluster_map m;
  m.epoch = epoch;
  for (auto& h : f.cfg.storage_hosts) {
    host_state s = host_state::up;
    for (auto& [id, st] : states)
      if (id == h.id) s = st;
    m.hosts.push_back({h.id, "h" + std::to_string(h.id), h.labels, s, true, 0});
  }
  return m;
}

// Runs a host's walk to its end, a page per batch, through a counting transaction.
struct walk_result {
  size_t pages = 0, inodes_read = 0, node_keys_read = 0, other_scans = 0;
  uint32_t changed = 0;
};
walk_result walk(meta_fixture& f, host_id host, host_scan_mode mode) {
  walk_result out;
  std::optional<chunk_key> after;
  for (;;) {
    auto parent = f.store->begin_write();
    REQUIRE(parent.ok());
    auto child = (*parent)->begin_nested();
    REQUIRE(child.ok());
    counting_txn counting(**child);
    auto res = f.state->handle(counting, host_scan_request{host, mode, after}, f.now_ms, f.r);
    REQUIRE(res.reply.ok());
    REQUIRE((*child)->commit().ok());
    f.commit_batch(**parent);
    auto& page = std::get<host_scan_reply>(res.reply.value());
    ++out.pages;
    out.inodes_read += counting.inodes_read;
    out.node_keys_read += counting.node_keys_read;
    out.other_scans += counting.other_scans;
    out.changed += page.changed;
    CHECK(page.records_read == counting.inodes_read + counting.node_keys_read);
    if (page.done) return out;
    after = page.last;
  }
}

size_t chunks_on(meta_fixture& f, host_id host) {
  return f.reader()->scan_node_chunks(host, {}, 100000)->size();
}

}  // namespace

TEST_CASE("a host going down is walked through its own index only: replicas go offline") {
  meta_fixture f(0, 100);
  f.cfg.storage_hosts = cairn::test::three_racks(2);  // 6 hosts, 2 per rack
  f.open();
  // 300 one-chunk files, 3 replicas each: 900 index keys, about 150 on each host.
  for (int i = 0; i < 300; ++i) f.put_file(root_dir_id, "f" + std::to_string(i), 100, 3);
  REQUIRE(f.queue_size() == 0);
  size_t on_host = chunks_on(f, 2);
  REQUIRE(on_host > 0);
  REQUIRE(on_host < 300);

  auto change = f.state->apply_map(map_with(f, 2, {{2, host_state::down}}));
  REQUIRE(change.start.size() == 1);
  CHECK(change.start[0].host == 2);
  CHECK(change.start[0].mode == host_scan_mode::mark_offline);

  auto w = walk(f, 2, host_scan_mode::mark_offline);
  // Exactly the host's keys and the inodes they name; no other record, no other scan.
  CHECK(w.node_keys_read == on_host);
  CHECK(w.inodes_read == on_host);
  CHECK(w.other_scans == 0);
  CHECK(w.changed == on_host);
  CHECK(w.pages == on_host / host_scan_page + 1);
  // Every chunk it held is queued with 2 live replicas, reason host_lost.
  CHECK(f.queue_size() == on_host);
  auto head = f.ok<repair_queue_reply>(repair_queue_request{10, std::nullopt});
  CHECK(head.epoch == 2);
  CHECK(head.total == on_host);
  REQUIRE(head.entries.size() == 10);
  for (auto& e : head.entries) {
    CHECK(e.live == 2);
    CHECK(e.reason == repair_reason::host_lost);
    size_t offline = 0;
    for (auto& r : e.replicas) offline += r.host == 2 && r.state == replica_state::offline;
    CHECK(offline == 1);
  }
}

TEST_CASE("the repair queue pages in priority order, fewest live replicas first") {
  meta_fixture f;
  auto one = f.put_file(root_dir_id, "one", 100, 2);  // 2 live
  auto two = f.put_file(root_dir_id, "two", 300, 2);  // 3 chunks, 2 live each
  auto inode = f.ok<inode_get_reply>(inode_get_request{one}).inode;
  f.ok<corrupt_report_reply>(corrupt_report_request{one, 0, inode.chunks[0].replicas[0].host});
  auto first = f.ok<repair_queue_reply>(repair_queue_request{2, std::nullopt});
  REQUIRE(first.entries.size() == 2);
  CHECK(first.more);
  CHECK(first.total == 4);
  CHECK(first.entries[0].chunk == chunk_key{one, 0});
  CHECK(first.entries[0].live == 1);
  CHECK(first.entries[0].reason == repair_reason::corrupt);
  CHECK(first.entries[1].chunk.file == two);
  auto& last = first.entries.back();
  auto rest = f.ok<repair_queue_reply>(
      repair_queue_request{10, under_replicated_key{last.live, last.chunk}});
  CHECK(rest.entries.size() == 2);
  CHECK_FALSE(rest.more);
  for (auto& e : rest.entries) CHECK(e.chunk.file == two);
}

TEST_CASE("a repair's replicaAdd reaching final drops the chunk's corrupt and offline copies") {
  meta_fixture f(0, 100);
  f.cfg.storage_hosts = cairn::test::three_racks(2);
  f.open();
  auto id = f.put_file(root_dir_id, "f", 100, 3);
  auto inode = f.ok<inode_get_reply>(inode_get_request{id}).inode;
  auto& reps = inode.chunks[0].replicas;
  host_id bad = reps[0].host, gone = reps[1].host;
  std::set<host_id> holding{reps[0].host, reps[1].host, reps[2].host};
  f.ok<corrupt_report_reply>(corrupt_report_request{id, 0, bad});
  f.state->apply_map(map_with(f, 5, {{gone, host_state::down}}));
  walk(f, gone, host_scan_mode::mark_offline);
  auto head = f.ok<repair_queue_reply>(repair_queue_request{1, std::nullopt});
  REQUIRE(head.entries.size() == 1);
  CHECK(head.entries[0].live == 1);

  std::vector<host_id> spare;
  for (auto& h : f.cfg.storage_hosts)
    if (!holding.count(h.id)) spare.push_back(h.id);
  REQUIRE(spare.size() == 3);
  uint32_t crc = inode.chunks[0].crc;
  // Planned at an older epoch: refused, nothing changes.
  CHECK(f.fails(replica_add_request{id, 0, spare[0], crc, 4}) == errc::stale_epoch);
  // A host that is down cannot take a replica.
  CHECK(f.fails(replica_add_request{id, 0, gone, crc, 5}) == errc::unavailable);
  CHECK(f.ok<replica_add_reply>(replica_add_request{id, 0, spare[0], crc, 5}).live == 2);
  CHECK(f.gc_size() == 0);
  CHECK(f.ok<replica_add_reply>(replica_add_request{id, 0, spare[1], crc, 5}).live == 3);
  // Final reached: only live replicas remain; the corrupt copy is queued for deletion,
  // the offline one is left to its host's orphan scan.
  auto after = f.ok<inode_get_reply>(inode_get_request{id}).inode;
  CHECK(after.chunks[0].replicas.size() == 3);
  CHECK(after.chunks[0].live_count() == 3);
  CHECK(f.queue_size() == 0);
  CHECK(f.gc_size() == 1);
  CHECK(f.reader()->get_gc({id, 0}).value()->hosts == std::vector<host_id>{bad});
  CHECK(chunks_on(f, bad) == 0);
  CHECK(chunks_on(f, gone) == 0);
  // The deleted copy's host cannot take the chunk back while its deletion is queued.
  f.state->apply_map(map_with(f, 6, {}));
  auto spare_live = after.chunks[0].replicas[0].host;
  f.ok<corrupt_report_reply>(corrupt_report_request{id, 0, spare_live});
  CHECK(f.fails(replica_add_request{id, 0, bad, crc, 6}) == errc::unavailable);
}

TEST_CASE("a returning host's copy is taken back while wanted, forgotten once not") {
  meta_fixture f(0, 100);
  // 4 hosts, 3 replicas per chunk: any two chunks share at least two hosts.
  f.cfg.storage_hosts = cairn::test::three_racks(2);
  f.cfg.storage_hosts.resize(4);
  f.open();
  auto a = f.put_file(root_dir_id, "a", 100, 3);
  auto b = f.put_file(root_dir_id, "b", 100, 3);
  auto ia = f.ok<inode_get_reply>(inode_get_request{a}).inode;
  auto ib = f.ok<inode_get_reply>(inode_get_request{b}).inode;
  // A host holding both files' chunks.
  host_id h = 0;
  for (auto& ra : ia.chunks[0].replicas)
    for (auto& rb : ib.chunks[0].replicas)
      if (ra.host == rb.host) h = ra.host;
  REQUIRE(h != 0);
  f.state->apply_map(map_with(f, 2, {{h, host_state::down}}));
  walk(f, h, host_scan_mode::mark_offline);
  // While it is down, its check keeps the copy but changes nothing.
  CHECK(
      f.ok<chunk_referenced_reply>(chunk_referenced_request{a, 0, h, ia.chunks[0].crc}).referenced);
  CHECK(f.queue_size() == 2);
  // Meanwhile b is repaired elsewhere and reaches final.
  std::set<host_id> holding;
  for (auto& r : ib.chunks[0].replicas) holding.insert(r.host);
  host_id spare = 0;
  for (auto& p : f.cfg.storage_hosts)
    if (!holding.count(p.id)) spare = p.id;
  f.ok<replica_add_reply>(replica_add_request{b, 0, spare, ib.chunks[0].crc, 2});
  // It returns: a's copy is taken back (a still lacks one), b's is already dropped.
  auto change = f.state->apply_map(map_with(f, 3, {}));
  CHECK(change.cancel == std::vector<host_id>{h});
  CHECK(
      f.ok<chunk_referenced_reply>(chunk_referenced_request{a, 0, h, ia.chunks[0].crc}).referenced);
  CHECK(f.ok<inode_get_reply>(inode_get_request{a}).inode.chunks[0].live_count() == 3);
  CHECK_FALSE(
      f.ok<chunk_referenced_reply>(chunk_referenced_request{b, 0, h, ib.chunks[0].crc}).referenced);
  CHECK(f.queue_size() == 0);
}

TEST_CASE("a returning host's copy with the wrong checksum is forgotten, not taken back") {
  meta_fixture f;
  auto id = f.put_file(root_dir_id, "f", 100, 3);
  auto inode = f.ok<inode_get_reply>(inode_get_request{id}).inode;
  host_id h = inode.chunks[0].replicas[0].host;
  f.state->apply_map(map_with(f, 2, {{h, host_state::down}}));
  walk(f, h, host_scan_mode::mark_offline);
  f.state->apply_map(map_with(f, 3, {}));
  CHECK_FALSE(
      f.ok<chunk_referenced_reply>(chunk_referenced_request{id, 0, h, inode.chunks[0].crc ^ 1})
          .referenced);
  auto after = f.ok<inode_get_reply>(inode_get_request{id}).inode;
  CHECK(after.chunks[0].replicas.size() == 2);
  CHECK(chunks_on(f, h) == 0);
  CHECK(f.queue_size() == 1);  // still short of final: repair's business
}

TEST_CASE("an out host is forgotten; placement skips hosts that are not placeable") {
  meta_fixture f;
  auto id = f.put_file(root_dir_id, "f", 100, 3);
  auto inode = f.ok<inode_get_reply>(inode_get_request{id}).inode;
  host_id h = inode.chunks[0].replicas[0].host;
  f.state->apply_map(map_with(f, 2, {{h, host_state::down}}));
  walk(f, h, host_scan_mode::mark_offline);
  auto change = f.state->apply_map(map_with(f, 3, {{h, host_state::out}}));
  REQUIRE(change.start.size() == 1);
  CHECK(change.start[0].mode == host_scan_mode::forget);
  auto w = walk(f, h, host_scan_mode::forget);
  CHECK(w.changed == 1);
  CHECK(chunks_on(f, h) == 0);
  CHECK(f.ok<inode_get_reply>(inode_get_request{id}).inode.chunks[0].replicas.size() == 2);
  // An older map changes nothing; new files avoid the out host, and with 2 of 3 hosts
  // placeable a file still gets min = 2 targets.
  CHECK(f.state->apply_map(map_with(f, 1, {})).start.empty());
  auto c = f.ok<file_create_reply>(file_create_request{root_dir_id, "g", 100, 0, 0});
  REQUIRE(c.chunks.size() == 1);
  CHECK(c.chunks[0].targets.size() == 2);
  for (host_id t : c.chunks[0].targets) CHECK(t != h);
  // A commit naming a copy on a host that went down records it offline.
  f.state->apply_map(
      map_with(f, 4, {{h, host_state::out}, {c.chunks[0].targets[0], host_state::down}}));
  f.ok<file_commit_reply>(f.commit_for(c, 100, 2));
  auto g = f.ok<inode_get_reply>(inode_get_request{c.file_id}).inode;
  CHECK(g.chunks[0].live_count() == 1);
  CHECK(g.chunks[0].find_replica(c.chunks[0].targets[0])->state == replica_state::offline);
}

TEST_CASE("a new disk's walk turns the host's replicas offline but spares those written since") {
  meta_fixture f;
  auto old_file = f.put_file(root_dir_id, "old", 100, 3);
  auto inode = f.ok<inode_get_reply>(inode_get_request{old_file}).inode;
  host_id h = inode.chunks[0].replicas[0].host;
  f.state->begin_lost_walk(h);  // hostWiped arrived; the host is up all along
  auto new_file = f.put_file(root_dir_id, "new", 100, 3);
  auto w = walk(f, h, host_scan_mode::mark_lost);
  CHECK(w.changed == 1);
  f.state->end_lost_walk(h);
  CHECK(f.ok<inode_get_reply>(inode_get_request{old_file}).inode.chunks[0].find_replica(h)->state ==
        replica_state::offline);
  CHECK(f.ok<inode_get_reply>(inode_get_request{new_file}).inode.chunks[0].find_replica(h)->state ==
        replica_state::live);
  CHECK(f.queue_size() == 1);
}

TEST_CASE("an out host's record is kept while it is its chunk's last copy, and taken back") {
  meta_fixture f;  // 3 hosts, every chunk on all 3
  auto id = f.put_file(root_dir_id, "f", 100, 3);
  auto crc = f.ok<inode_get_reply>(inode_get_request{id}).inode.chunks[0].crc;
  // A power loss longer than out_interval: every host down, then host 1 out.
  f.state->apply_map(
      map_with(f, 2, {{1, host_state::down}, {2, host_state::down}, {3, host_state::down}}));
  for (host_id h : {1u, 2u, 3u}) walk(f, h, host_scan_mode::mark_offline);
  f.state->apply_map(
      map_with(f, 3, {{1, host_state::out}, {2, host_state::down}, {3, host_state::down}}));
  auto w = walk(f, 1, host_scan_mode::forget);
  CHECK(w.changed == 0);
  auto inode = f.ok<inode_get_reply>(inode_get_request{id}).inode;
  REQUIRE(inode.chunks[0].find_replica(1) != nullptr);  // not forgotten: no live copy left
  CHECK(chunks_on(f, 1) == 1);
  // Host 1 comes back: its orphan scan's check takes the copy back instead of deleting it.
  f.state->apply_map(
      map_with(f, 4, {{1, host_state::up}, {2, host_state::down}, {3, host_state::down}}));
  CHECK(f.ok<chunk_referenced_reply>(chunk_referenced_request{id, 0, 1, crc}).referenced);
  CHECK(f.ok<inode_get_reply>(inode_get_request{id}).inode.chunks[0].live_count() == 1);
}
