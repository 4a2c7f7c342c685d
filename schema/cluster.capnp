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

# A host's place in the membership (docs/operations.md, "Host states").
enum HostState {
  up @0;         # heartbeats answered; placed and read
  suspect @1;    # an observer's phi crossed the threshold; still placed and read
  down @2;       # >= 2 observers agree; its replicas stop counting, repair starts
  out @3;        # down longer than the out interval: its replicas are forgotten
  draining @4;   # decommissioned by an operator: readable, never placed, drained
}

struct HostInfo {
  id @0 :UInt32;
  name @1 :Text;
  labels @2 :Labels;
  up @3 :Bool;             # state is up, suspect or draining (reachable)
  state @4 :HostState;
  storage @5 :Bool = true; # runs a storage node
  sinceMs @6 :Int64;       # when the host entered its state (coordinator clock)
  retired @7 :Bool;        # marked out by an operator: stays out until recommissioned
  address @8 :Text;        # HOST:PORT where its peers and clients reach it; empty in one process
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
  # Scrub progress since the node started (the scrubber's counters).
  scrubPasses @5 :UInt64;          # passes completed
  scrubChunksVerified @6 :UInt64;  # chunks whose bytes matched their CRC32C
  scrubBytesVerified @7 :UInt64;   # their bytes
  scrubCorruptFound @8 :UInt64;    # scrub reads that found a bad chunk
  mailboxDepth @9 :UInt64;         # messages queued behind the stats request
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
  # Repair progress since the repairer started. A shardStatsRequest to the shard's
  # repairer (repair.<s>) answers these (and shard, host, reachable, mailboxDepth) and
  # leaves the namespace fields above 0; one to meta.<s> leaves these 0.
  repairsDone @9 :UInt64;          # copies made and recorded
  repairsFailed @10 :UInt64;       # copies or records that failed (stale epochs included)
  repairBytesCopied @11 :UInt64;   # bytes of the done copies
  repairQueued @12 :UInt64;        # the shard's queue length at the repairer's last read
  repairsInflight @13 :UInt64;     # copies in flight
  mailboxDepth @14 :UInt64;        # messages queued behind the stats request
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

# coordinator -> every meta shard, storage node, failure detector and repairer, on every
# epoch change and periodically. Payload: the whole map. A receiver keeps the newest
# epoch it has seen and ignores older maps.
struct MapUpdateRequest {
  map @0 :ClusterMapReply;
}
struct MapUpdateReply {
  epoch @0 :UInt64;          # the epoch the receiver holds after the update
}

# failure detector -> the detector of a host it observes. The reply is the heartbeat.
struct HeartbeatRequest {
  observer @0 :UInt32;
  seq @1 :UInt64;
  epoch @2 :UInt64;
}
struct HeartbeatReply {
  target @0 :UInt32;
  seq @1 :UInt64;
  epoch @2 :UInt64;
}

# failure detector -> coordinator: the observer's current opinion of one target. Sent on
# every change and repeated while the observer suspects it (an accusation expires).
struct HostReportRequest {
  observer @0 :UInt32;
  target @1 :UInt32;
  suspect @2 :Bool;          # false: heartbeats arrive again (withdraws an accusation)
  phi @3 :Float64;
  epoch @4 :UInt64;          # the observer's map epoch; older than the coordinator's: staleEpoch
}
struct HostReportReply {
  epoch @0 :UInt64;
  state @1 :HostState;       # the target's state after the report
}

# operator -> coordinator (`cairn node decommission|recommission|out HOST`).
enum HostAdminAction {
  decommission @0;           # up|suspect -> draining
  recommission @1;           # draining -> up
  markOut @2;                # down|draining -> out now, without waiting the out interval
}
struct HostAdminRequest {
  host @0 :UInt32;
  action @1 :HostAdminAction;
  apply @2 :Bool;            # false: a dry run that reports what would change
}
struct HostAdminReply {
  epoch @0 :UInt64;
  before @1 :HostState;
  after @2 :HostState;
  applied @3 :Bool;
}

# A host that is not in the map asks to be admitted (through any host it can reach:
# the coordinator address forwards). Admitting a host already in the map with the
# same id and name is a no-op that answers the current epoch, so a retry is harmless.
struct HostJoinRequest {
  host @0 :HostInfo;
}
struct HostJoinReply {
  epoch @0 :UInt64;
}

# A host stopping cleanly (SIGTERM) says so: it is marked down at once instead of after
# the failure detectors notice, and comes back up when it answers again.
struct HostLeaveRequest {
  host @0 :UInt32;
}
struct HostLeaveReply {
  epoch @0 :UInt64;
}
