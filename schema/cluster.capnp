@0xebf77b2b430434f5;
# Coordinator protocol: the cluster map and the cluster-wide status.
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("cairn::wire");

struct Labels {
  region @0 :Text;
  dc @1 :Text;
  cluster @2 :Text;
  rack @3 :Text;
  host @4 :Text;
}

struct HostInfo {
  id @0 :UInt32;
  name @1 :Text;
  labels @2 :Labels;
  up @3 :Bool;
}

struct ShardInfo {
  id @0 :UInt16;
  host @1 :UInt32;
}

struct ClusterMapRequest {}

struct ClusterMapReply {
  epoch @0 :UInt64;
  hosts @1 :List(HostInfo);
  shards @2 :List(ShardInfo);
  chunkSize @3 :UInt64;
  minReplicas @4 :UInt8;
  finalReplicas @5 :UInt8;
}

struct ClusterStatusRequest {}

struct NodeStats {
  host @0 :UInt32;
  chunks @1 :UInt64;
  bytes @2 :UInt64;
  freeBytes @3 :UInt64;
  reachable @4 :Bool;
}

struct ShardStats {
  shard @0 :UInt16;
  host @1 :UInt32;
  files @2 :UInt64;
  directories @3 :UInt64;
  bytes @4 :UInt64;
  underReplicated @5 :UInt64;
  pendingFiles @6 :UInt64;
  gcPending @7 :UInt64;
  reachable @8 :Bool;
}

struct TransportStats {
  connectionsAccepted @0 :UInt64;
  connectionsRefused @1 :UInt64;
  connectionsClosedBadFrame @2 :UInt64;
  framesReceived @3 :UInt64;
  framesRejected @4 :UInt64;
}

struct ClusterStatusReply {
  epoch @0 :UInt64;
  hosts @1 :List(HostInfo);
  nodes @2 :List(NodeStats);
  shards @3 :List(ShardStats);
  transport @4 :TransportStats;
  minReplicas @5 :UInt8;
  finalReplicas @6 :UInt8;
  chunkSize @7 :UInt64;
}
