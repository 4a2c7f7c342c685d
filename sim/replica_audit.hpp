#pragma once
// The quiet phase's look at the disks: for every committed file (as its meta shard
// describes it) and every simulated disk, which replicas are there, intact, identical,
// and which chunks no file references. Pure: reads the disks and file descriptions.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "actors/client/client_types.hpp"
#include "sim/sim_disk.hpp"

namespace cairn {

struct replica_audit {
  uint64_t chunks = 0;                // chunks of committed files
  uint64_t replicas_good = 0;         // listed live and holding the chunk's bytes
  uint64_t replicas_destroyed = 0;    // listed live, gone or bad, on a host a destructive fault hit
  uint64_t replicas_lost = 0;         // listed live, gone or bad, on a host no fault destroyed
  uint64_t under_min = 0;             // chunks with fewer good replicas than min
  uint64_t under_final = 0;           // chunks with fewer good replicas than final
  uint64_t orphan_chunks = 0;         // on a disk, part of no committed file
  uint64_t unlisted_replicas = 0;     // a committed file's chunk on a host its metadata omits
  std::vector<std::string> problems;  // the first few, explained
};

// `destroyed`: hosts whose data a wipe or bit flip destroyed during the run. Their lost
// replicas are counted apart from the others; repair must replace them all the same.
replica_audit audit_replicas(const std::vector<file_info>& files,
                             const std::map<host_id, const sim_disk*>& disks,
                             const std::set<host_id>& destroyed);

// A bit the simulation flipped in one host's copy of a chunk.
struct injected_flip {
  host_id host = 0;
  chunk_key chunk;
};

// Flips repaired by the end of the run: the host no longer holds bad bytes under that
// key (the copy was deleted or rewritten), and the chunk, if a committed file still has
// it, has at least final good replicas.
uint64_t repaired_flips(const std::vector<injected_flip>& flips,
                        const std::vector<file_info>& files,
                        const std::map<host_id, const sim_disk*>& disks);

}  // namespace cairn
