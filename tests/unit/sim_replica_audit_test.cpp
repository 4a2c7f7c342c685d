// replica_audit: the quiet phase's look at the simulated disks — final counts and the
// repair of injected bit flips.
#include <doctest/doctest.h>

#include <memory>

#include "runtime/crc32c.hpp"
#include "sim/replica_audit.hpp"

using namespace cairn;

namespace {

struct three_disks {
  std::map<host_id, std::shared_ptr<sim_disk>> owned;
  std::map<host_id, const sim_disk*> view;
  three_disks() {
    for (host_id h : {1u, 2u, 3u}) {
      owned[h] = std::make_shared<sim_disk>(1 << 20);
      view[h] = owned[h].get();
    }
  }
  void store(host_id h, chunk_key key, const std::string& bytes) {
    sim_chunk_store s(owned[h]);
    REQUIRE(s.append(key, bytes).ok());
    REQUIRE(s.commit(1000).ok());
  }
};

file_info file_on(std::vector<host_id> hosts, const std::string& bytes) {
  file_info f;
  f.path = "/f";
  f.id = 42;
  f.size = bytes.size();
  f.min_replicas = 2;
  f.final_replicas = 3;
  chunk_info c{0, static_cast<uint32_t>(bytes.size()), crc32c(bytes.data(), bytes.size()), {}};
  for (host_id h : hosts) c.replicas.push_back({h, replica_state::live});
  f.chunks.push_back(c);
  return f;
}

}  // namespace

TEST_CASE("replica audit: a chunk with fewer good replicas than final is counted") {
  three_disks d;
  std::string bytes = "0123456789";
  for (host_id h : {1u, 2u}) d.store(h, {42, 0}, bytes);
  auto audit = audit_replicas({file_on({1, 2}, bytes)}, d.view, {});
  CHECK(audit.under_final == 1);
  CHECK(audit.under_min == 0);
  d.store(3, {42, 0}, bytes);
  CHECK(audit_replicas({file_on({1, 2, 3}, bytes)}, d.view, {}).under_final == 0);
}

TEST_CASE("replica audit: a flipped copy counts as repaired only once gone and final reached") {
  three_disks d;
  std::string bytes = "0123456789";
  for (host_id h : {1u, 2u, 3u}) d.store(h, {42, 0}, bytes);
  REQUIRE(d.owned[3]->flip_bit({42, 0}, 5));
  std::vector<injected_flip> flips{{3, {42, 0}}};
  auto files = std::vector<file_info>{file_on({1, 2, 3}, bytes)};
  CHECK(repaired_flips(flips, files, d.view) == 0);  // the bad bytes are still there
  // The bad copy deleted, but only two good replicas left: not repaired yet.
  sim_chunk_store s3(d.owned[3]);
  s3.remove({42, 0});
  REQUIRE(s3.commit(2000).ok());
  files = {file_on({1, 2}, bytes)};
  CHECK(repaired_flips(flips, files, d.view) == 0);
  // A good copy rewritten on the same host: repaired.
  d.store(3, {42, 0}, bytes);
  files = {file_on({1, 2, 3}, bytes)};
  CHECK(repaired_flips(flips, files, d.view) == 1);
  // A flip in a file deleted since: repaired once the copy is gone.
  CHECK(repaired_flips({{1, {7, 0}}}, files, d.view) == 1);
}
