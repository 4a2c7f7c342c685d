@0xbb8882ee206e9292;
# The envelope every message between actors travels in, in one process and over TCP.
# A frame on the wire is: u32 little-endian body length, then the body, a Cap'n Proto
# flat message whose root is Envelope.
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("cairn::wire");

struct Address {
  host @0 :UInt32;      # host id within the cluster; 0xFFFFFFFF = an external client
  actor @1 :Text;       # actor name on that host, e.g. "storage", "meta.2", "coordinator"
}

# One value per message type. Replies use the request's value + 1; an errorReply may
# answer any request. Values are stable: never renumber, only append.
enum MessageKind {
  none @0;
  errorReply @1;
  # coordinator (cluster.capnp)
  clusterMapRequest @2;
  clusterMapReply @3;
  clusterStatusRequest @4;
  clusterStatusReply @5;
  # meta shard (meta.capnp)
  lookupRequest @6;
  lookupReply @7;
  dirCreateRequest @8;
  dirCreateReply @9;
  linkRequest @10;
  linkReply @11;
  unlinkRequest @12;
  unlinkReply @13;
  dirRemoveRequest @14;
  dirRemoveReply @15;
  listRequest @16;
  listReply @17;
  fileCreateRequest @18;
  fileCreateReply @19;
  fileCommitRequest @20;
  fileCommitReply @21;
  inodeGetRequest @22;
  inodeGetReply @23;
  inodeDropRequest @24;
  inodeDropReply @25;
  renameRequest @26;
  renameReply @27;
  replicaAddRequest @28;
  replicaAddReply @29;
  corruptReportRequest @30;
  corruptReportReply @31;
  shardStatsRequest @32;
  shardStatsReply @33;
  # storage node (storage.capnp)
  chunkPutRequest @34;
  chunkPutReply @35;
  chunkGetRequest @36;
  chunkGetReply @37;
  chunkDeleteRequest @38;
  chunkDeleteReply @39;
  nodeStatsRequest @40;
  nodeStatsReply @41;
  # meta shard, asked by a storage node's orphan scan (meta.capnp)
  chunkCheckRequest @42;
  chunkCheckReply @43;
  # membership: coordinator -> every role; failure detector <-> failure detector and
  # -> coordinator; operator -> coordinator (cluster.capnp)
  mapUpdateRequest @44;
  mapUpdateReply @45;
  heartbeatRequest @46;
  heartbeatReply @47;
  hostReportRequest @48;
  hostReportReply @49;
  hostAdminRequest @50;
  hostAdminReply @51;
  # replica repair: repairer -> meta shard (meta.capnp), repairer -> storage node
  # (storage.capnp)
  repairQueueRequest @52;
  repairQueueReply @53;
  chunkReplicateRequest @54;
  chunkReplicateReply @55;
  # storage node -> every meta shard, when it starts with an empty store (meta.capnp)
  hostWipedRequest @56;
  hostWipedReply @57;
  # transport handshake, before any other frame on a connection (transport.capnp)
  authHelloRequest @58;
  authHelloReply @59;
  authProofRequest @60;
  authProofReply @61;
  # a new host -> coordinator; a host stopping -> coordinator (cluster.capnp)
  hostJoinRequest @62;
  hostJoinReply @63;
  hostLeaveRequest @64;
  hostLeaveReply @65;
}

struct Envelope {
  source @0 :Address;
  destination @1 :Address;
  correlationId @2 :UInt64;   # pairs a reply with its request on one connection
  traceId @3 :UInt64;         # propagated unchanged through every hop of one operation
  deadlineMs @4 :Int64;       # absolute, milliseconds on the cluster clock; 0 = none
  kind @5 :MessageKind;
  payload @6 :AnyPointer;     # the struct named by kind
}

# Mirrors cairn::errc; stable values.
enum ErrorCode {
  ok @0;
  notFound @1;
  alreadyExists @2;
  notEmpty @3;
  notADirectory @4;
  isADirectory @5;
  invalidArgument @6;
  staleEpoch @7;
  timeout @8;
  noSpace @9;
  corrupt @10;
  overloaded @11;
  unavailable @12;
  ioError @13;
  internal @14;
}

struct ErrorReply {
  code @0 :ErrorCode;
  message @1 :Text;
}
