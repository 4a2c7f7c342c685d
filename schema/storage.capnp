@0xccedd6b004cc62e0;
# Storage node protocol (client <-> storage node, meta shard <-> storage node).
# A chunk is named by (fileId, index); a node holds at most one copy of a chunk.
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("cairn::wire");
using Cluster = import "cluster.capnp";

struct ChunkPutRequest {
  fileId @0 :UInt64;
  index @1 :UInt32;
  data @2 :Data;
}
struct ChunkPutReply {       # sent only once the chunk is durable (fsynced)
  crc @0 :UInt32;
  length @1 :UInt32;
}

struct ChunkGetRequest {
  fileId @0 :UInt64;
  index @1 :UInt32;
}
struct ChunkGetReply {       # the node verified crc over data before replying
  crc @0 :UInt32;
  data @1 :Data;
}

struct ChunkDeleteRequest {
  fileId @0 :UInt64;
  index @1 :UInt32;
}
struct ChunkDeleteReply {
  existed @0 :Bool;
}

struct NodeStatsRequest {}
struct NodeStatsReply {
  stats @0 :Cluster.NodeStats;
}

# repairer -> the new target: fetch the chunk from a source node (chunkGet), verify its
# CRC32C against `crc`, store it durably, then reply. Idempotent: a node that already
# holds the chunk with that crc replies at once.
struct ChunkReplicateRequest {
  fileId @0 :UInt64;
  index @1 :UInt32;
  crc @2 :UInt32;
  length @3 :UInt32;
  sources @4 :List(UInt32);   # hosts to copy from, tried in order
}
struct ChunkReplicateReply {
  crc @0 :UInt32;
  length @1 :UInt32;
  source @2 :UInt32;          # the host the bytes came from; 0 = already held
}
