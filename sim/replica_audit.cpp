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
        } else if (r.state != replica_state::live) {
          continue;  // known bad or away: repair's business, counted by the final check
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
      if (good < f.min_replicas) ++a.under_min;
      if (good < f.final_replicas) {
        ++a.under_final;
        std::string listed;
        for (auto& r : c.replicas) {
          auto disk = disks.find(r.host);
          listed += " " + std::to_string(r.host) + ":" + to_string(r.state) +
                    (holds(disk == disks.end() ? nullptr : disk->second, key, c) ? "+bytes" : "");
        }
        note(a, f.path + " chunk " + std::to_string(c.index) + " (inode " + std::to_string(f.id) +
                    ") has " + std::to_string(good) + " good replicas (" + std::to_string(gone) +
                    " lost to destroyed disks), final is " + std::to_string(f.final_replicas) +
                    "; listed:" + listed);
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

uint64_t repaired_flips(const std::vector<injected_flip>& flips,
                        const std::vector<file_info>& files,
                        const std::map<host_id, const sim_disk*>& disks) {
  std::map<chunk_key, std::pair<const file_info*, const chunk_info*>> chunks;
  for (auto& f : files)
    for (auto& c : f.chunks) chunks[{f.id, c.index}] = {&f, &c};
  uint64_t repaired = 0;
  for (auto& flip : flips) {
    auto disk = disks.find(flip.host);
    const sim_chunk* stored = disk == disks.end() ? nullptr : disk->second->find(flip.chunk);
    bool bad_left = stored && crc32c(stored->bytes.data(), stored->bytes.size()) != stored->crc;
    if (bad_left) continue;
    auto it = chunks.find(flip.chunk);
    if (it == chunks.end()) {
      ++repaired;  // the file is gone, and with it the bad copy
      continue;
    }
    auto& [f, c] = it->second;
    uint32_t good = 0;
    for (auto& r : c->replicas) {
      auto d = disks.find(r.host);
      good += r.state == replica_state::live &&
              holds(d == disks.end() ? nullptr : d->second, flip.chunk, *c);
    }
    repaired += good >= f->final_replicas;
  }
  return repaired;
}

}  // namespace cairn
