// meta_shard_state over a real LMDB store: chunkCheck, a storage node's question whether
// its copy of a chunk is still wanted. A write (it may take back or forget a returning
// host's copy: meta_repair_test.cpp), run in its own batch here.
#include "meta_test_support.hpp"

using namespace cairn;
using cairn::test::meta_fixture;

namespace {

result<meta_reply> check(meta_fixture& f, inode_id file, uint32_t index, host_id host) {
  meta_request q = chunk_referenced_request{file, index, host, 0};
  REQUIRE_FALSE(is_read(q));
  return f.run(q).reply;
}

bool referenced(meta_fixture& f, inode_id file, uint32_t index, host_id host) {
  auto out = check(f, file, index, host);
  if (!out) FAIL_CHECK(out.err().to_string());
  REQUIRE(out.ok());
  return std::get<chunk_referenced_reply>(out.value()).referenced;
}

host_id not_a_target(const std::vector<host_id>& targets) {
  for (host_id h = 1;; ++h)
    if (std::find(targets.begin(), targets.end(), h) == targets.end()) return h;
}

}  // namespace

TEST_CASE("chunkCheck: a pending inode wants its chunk on each placement target only") {
  meta_fixture f{0, 100};
  f.cfg.storage_hosts = cairn::test::three_racks(2);  // 6 hosts, 3 targets per chunk
  f.open();
  auto c = f.ok<file_create_reply>(file_create_request{root_dir_id, "f", 150, 0, 0});
  REQUIRE(c.chunks.size() == 2);
  for (auto& p : c.chunks) {
    for (host_id h : p.targets) CHECK(referenced(f, c.file_id, p.index, h));
    CHECK_FALSE(referenced(f, c.file_id, p.index, not_a_target(p.targets)));
  }
  CHECK_FALSE(referenced(f, c.file_id, 2, c.chunks[0].targets[0]));  // past the last chunk
}

TEST_CASE("chunkCheck: a committed inode wants its chunk on each listed replica, even corrupt") {
  meta_fixture f{0, 100};
  f.cfg.storage_hosts = cairn::test::three_racks(2);
  f.open();
  auto c = f.ok<file_create_reply>(file_create_request{root_dir_id, "f", 10, 0, 0});
  auto& targets = c.chunks[0].targets;
  f.ok<file_commit_reply>(f.commit_for(c, 10, 2));  // the third target never acknowledged
  CHECK(referenced(f, c.file_id, 0, targets[0]));
  CHECK(referenced(f, c.file_id, 0, targets[1]));
  CHECK_FALSE(referenced(f, c.file_id, 0, targets[2]));
  f.ok<corrupt_report_reply>(corrupt_report_request{c.file_id, 0, targets[1]});
  CHECK(referenced(f, c.file_id, 0, targets[1]));  // the repairer still has to replace it
  f.ok<replica_add_reply>(replica_add_request{c.file_id, 0, targets[2], 0xC0FFEE00u});
  CHECK(referenced(f, c.file_id, 0, targets[2]));
  CHECK_FALSE(referenced(f, c.file_id, 1, targets[0]));
}

TEST_CASE("chunkCheck: an unknown or dropped inode wants nothing; another shard's id is refused") {
  meta_fixture f;
  auto file = f.put_file(root_dir_id, "f", 10, 3);
  CHECK_FALSE(referenced(f, file + 1, 0, 1));  // below the ceiling, never created
  CHECK(referenced(f, file, 0, 1));
  f.ok<unlink_reply>(unlink_request{root_dir_id, "f", 0, false});
  CHECK_FALSE(referenced(f, file, 0, 1));
  CHECK(check(f, make_inode_id(1, 10), 0, 1).code() == errc::invalid_argument);
}

TEST_CASE("chunkCheck: an id above the durable ceiling is refused, never answered 'no'") {
  // Metadata older than the chunk (a restored volume) must not make nodes delete data.
  meta_fixture f;
  auto out = check(f, make_inode_id(0, counter_max - 1), 0, 1);
  CHECK(out.code() == errc::unavailable);
}
