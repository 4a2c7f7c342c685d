#pragma once
// Vocabulary of the namespace shared by the meta shards and the client: what a
// directory entry is and the states of a chunk replica. Values equal the wire enums'
// (schema/meta.capnp).
#include <cstdint>
#include <string>

#include "runtime/ids.hpp"

namespace cairn {

enum class entry_kind : uint8_t { file = 0, directory = 1 };
// offline: on a host that is down or draining; not counted live, kept so that the host's
// copy can be taken back when it returns (or read from a draining host).
enum class replica_state : uint8_t { live = 0, corrupt = 1, missing = 2, offline = 3 };

// A name in a directory as answered to clients: size and mtime are filled for files
// whose inode lives on the answering shard (else 0).
struct entry_info {
  std::string name;
  entry_kind kind = entry_kind::file;
  inode_id id = 0;
  uint64_t size = 0;
  int64_t mtime_ms = 0;
};

std::string to_string(entry_kind k);
std::string to_string(replica_state s);

}  // namespace cairn
