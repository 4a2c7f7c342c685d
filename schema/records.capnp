@0xcc27eba60088350f;
# On-disk records: LMDB values of meta shards and storage nodes. Keys are fixed-width
# big-endian integers (see the stores) so LMDB's byte order is numeric order.
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("cairn::wire");
using Meta = import "meta.capnp";

struct EntryRecord {
  kind @0 :Meta.EntryKind;
  id @1 :UInt64;
}

struct DirRecord {          # a directory's marker on its home shard
  parentId @0 :UInt64;
  name @1 :Text;
}

enum RepairReason {
  underReplicated @0;     # committed with fewer than final replicas
  corrupt @1;             # a replica failed its checksum
  hostLost @2;
}

struct UnderReplicatedRecord {
  reason @0 :RepairReason;
  liveReplicas @1 :UInt8;
  finalReplicas @2 :UInt8;
  sinceMs @3 :Int64;
}

struct GcRecord {           # chunk replicas to delete on storage nodes
  hosts @0 :List(UInt32);
  notBeforeMs @1 :Int64;    # not sent before this (a dropped pending inode's chunk
                            # may still be arriving on a slow node)
}

struct ChunkIndexRecord {   # storage node: where a chunk's bytes are
  segment @0 :UInt32;
  offset @1 :UInt64;
  length @2 :UInt32;
  crc @3 :UInt32;
  commitMs @4 :Int64;       # the node's clock (ms) at the commit that wrote it; records
                            # written before this field read 0, as old as can be
}
