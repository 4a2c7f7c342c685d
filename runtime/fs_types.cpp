#include "runtime/fs_types.hpp"

namespace cairn {

std::string to_string(entry_kind k) { return k == entry_kind::file ? "file" : "dir"; }

std::string to_string(replica_state s) {
  switch (s) {
    case replica_state::live:
      return "live";
    case replica_state::corrupt:
      return "corrupt";
    case replica_state::missing:
      return "missing";
    case replica_state::offline:
      return "offline";
  }
  return "unknown";
}

}  // namespace cairn
