#include "sim/replica_audit.hpp"

#include "runtime/crc32c.hpp"

namespace cairn {
namespace {

void note(replica_audit& a, std::string what) {
  if (a.problems.size() < 8) a.problems.push_back(std::move(what));
}

bool holds(const sim_disk* disk, const chunk_key& key, const chunk_info& c) {
  if (!disk) return false;
  const sim_chunk* stored = disk->find(key);
  return stored && stored->bytes.size() == c.length &&
         crc32c(stored->bytes.data(), stored->bytes.size()) == c.crc;
}

}  // namespace

replica_audit audit_replicas(const std::vector<file_info>& files,
                             const std::map<host_id, const sim_disk*>& disks,
                             const std::set<host_id>& destroyed) {
  replica_audit a;
  std::set<std::pair<host_id, chunk_key>> listed;
  std::set<inode_id> committed;
  for (auto& f : files) {
    committed.insert(f.id);
    for (auto& c : f.chunks) {
      ++a.chunks;
      chunk_key key{f.id, c.index};
      uint32_t good = 0, gone = 0;
      for (auto& r : c.replicas) {
        listed.insert({r.host, key});
        auto disk = disks.find(r.host);
        bool ok = r.state == replica_state::live &&
                  holds(disk == disks.end() ? nullptr : disk->second, key, c);
        if (ok) {
          ++good;
        } else if (destroyed.count(r.host)) {
          ++gone;
        } else if (r.state == replica_state::live) {
          ++a.replicas_lost;
          note(a, f.path + " chunk " + std::to_string(c.index) + ": the replica on host " +
                      std::to_string(r.host) + " is missing or bad, and no fault destroyed it");
        }
      }
      a.replicas_good += good;
      a.replicas_destroyed += gone;
      if (good + gone < f.min_replicas) {
        ++a.under_min;
        note(a, f.path + " chunk " + std::to_string(c.index) + " has " + std::to_string(good) +
                    " good replicas (+" + std::to_string(gone) + " destroyed), min is " +
                    std::to_string(f.min_replicas));
      }
    }
  }
  for (auto& [host, disk] : disks) {
    for (auto& key : disk->keys()) {
      if (listed.count({host, key})) continue;
      if (committed.count(key.file)) {
        ++a.unlisted_replicas;
      } else {
        ++a.orphan_chunks;
        note(a, "host " + std::to_string(host) + " holds chunk " + std::to_string(key.index) +
                    " of inode " + std::to_string(key.file) + ", which no committed file has");
      }
    }
  }
  return a;
}

}  // namespace cairn
