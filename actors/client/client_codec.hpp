#pragma once
// Cap'n Proto -> client types. Readers may throw kj::Exception on malformed data:
// call them inside guarded() (client_context::call hands replies to ops that do).
#include "actors/client/client_types.hpp"
#include "cairn/schema/meta.capnp.h"

namespace cairn {

entry_info read_entry(wire::Entry::Reader in);
std::vector<entry_info> read_entries(capnp::List<wire::Entry>::Reader in);
file_info read_inode(wire::Inode::Reader in);
wire::EntryKind to_wire(entry_kind k);

}  // namespace cairn
