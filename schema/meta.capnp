@0x86678a5a2412371a;
# Meta shard protocol (client <-> meta shard). A directory's entries live on the shard
# that allocated the directory's id (the id's shard bits); a file's inode lives on the
# shard that allocated the file's id. Paths are resolved component by component.
using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("cairn::wire");
using Cluster = import "cluster.capnp";

enum EntryKind {
  file @0;
  directory @1;
}

enum ReplicaState {
  live @0;
  corrupt @1;
  missing @2;
  offline @3;    # on a host that is down or draining: not counted live, kept until final
}

enum InodeState {
  pending @0;     # created, chunks being written; invisible in the namespace
  committed @1;   # linked under its name; readable
}

struct Entry {
  name @0 :Text;
  kind @1 :EntryKind;
  id @2 :UInt64;
  size @3 :UInt64;       # files whose inode is on the answering shard; else 0
  mtimeMs @4 :Int64;
}

struct Replica {
  host @0 :UInt32;
  state @1 :ReplicaState;
}

struct Chunk {
  index @0 :UInt32;
  length @1 :UInt32;
  crc @2 :UInt32;        # CRC32C of the chunk's bytes
  replicas @3 :List(Replica);
}

struct Inode {
  id @0 :UInt64;
  state @1 :InodeState;
  size @2 :UInt64;
  chunkSize @3 :UInt64;
  minReplicas @4 :UInt8;
  finalReplicas @5 :UInt8;
  createdMs @6 :Int64;
  chunks @7 :List(Chunk);  # committed: one per chunk; pending: placements, crc 0
  parentId @8 :UInt64;     # where it was created (pending) or linked (committed)
  name @9 :Text;
}

struct LookupRequest {
  parentId @0 :UInt64;
  names @1 :List(Text);    # path components below parentId, in order
}
struct LookupReply {
  # The resolved prefix of names. Shorter than names when the next directory lives
  # on another shard: the client continues there from the last entry's id.
  entries @0 :List(Entry);
  # Set when the last name resolved to a committed file whose inode lives on this
  # shard: saves the client an inodeGet on every stat and get.
  inode @1 :Inode;
}

struct DirCreateRequest {
  parentId @0 :UInt64;
  name @1 :Text;
}
struct DirCreateReply {
  dirId @0 :UInt64;
}

struct LinkRequest {
  parentId @0 :UInt64;
  name @1 :Text;
  kind @2 :EntryKind;
  id @3 :UInt64;
}
struct LinkReply {
  created @0 :Bool;           # false: the name already held this entry (a repeated link)
}

struct UnlinkRequest {
  parentId @0 :UInt64;
  name @1 :Text;
  expectId @2 :UInt64;     # 0: any; else fail with notFound unless the entry has this id
  keepInode @3 :Bool;      # true: remove only the entry (the second step of a cross-shard
                           # rename); the inode or directory marker stays where it is
}
struct UnlinkReply {
  kind @0 :EntryKind;
  id @1 :UInt64;
  inodeDropped @2 :Bool;   # the inode (or directory marker) was on this shard and is gone
  inodeDropQueued @3 :Bool;  # the file's inode lives on another shard, and this shard
                             # drops it there (retrying until acknowledged). A file entry
                             # with both flags false: the client drops the inode itself
}

struct DirRemoveRequest {
  dirId @0 :UInt64;
}
struct DirRemoveReply {}

struct ListRequest {
  dirId @0 :UInt64;
  startAfter @1 :Text;
  limit @2 :UInt32;
}
struct ListReply {
  entries @0 :List(Entry);
  more @1 :Bool;
}

struct FileCreateRequest {
  parentId @0 :UInt64;
  name @1 :Text;
  size @2 :UInt64;
  minReplicas @3 :UInt8;     # 0: cluster default
  finalReplicas @4 :UInt8;   # 0: cluster default
}
struct ChunkPlacement {
  index @0 :UInt32;
  targets @1 :List(UInt32);
}
struct FileCreateReply {
  fileId @0 :UInt64;
  chunkSize @1 :UInt64;
  minReplicas @2 :UInt8;
  finalReplicas @3 :UInt8;
  chunks @4 :List(ChunkPlacement);
}

struct ChunkCommit {
  index @0 :UInt32;
  length @1 :UInt32;
  crc @2 :UInt32;
  replicas @3 :List(UInt32);   # hosts that acknowledged the chunk as durable
}
struct FileCommitRequest {
  fileId @0 :UInt64;
  chunks @1 :List(ChunkCommit);
}
struct FileCommitReply {
  underReplicatedChunks @0 :UInt32;
}

struct InodeGetRequest {
  fileId @0 :UInt64;
}
struct InodeGetReply {
  inode @0 :Inode;
}

struct InodeDropRequest {   # idempotent: an inode already gone is a success
  fileId @0 :UInt64;
}
struct InodeDropReply {}

struct RenameRequest {      # both parents on the answering shard
  srcParentId @0 :UInt64;
  srcName @1 :Text;
  dstParentId @2 :UInt64;
  dstName @3 :Text;
}
struct RenameReply {}

struct ReplicaAddRequest {    # a replica acknowledged after the file was committed
  fileId @0 :UInt64;
  index @1 :UInt32;
  host @2 :UInt32;
  crc @3 :UInt32;
  epoch @4 :UInt64;           # the sender's map epoch (repairs); 0 = not map-dependent
}
struct ReplicaAddReply {
  live @0 :UInt8;             # live replicas of the chunk after the add
}

struct ChunkCheckRequest {    # a storage node asks whether its copy is still wanted
  fileId @0 :UInt64;
  index @1 :UInt32;
  host @2 :UInt32;            # the asking node
  crc @3 :UInt32;             # the CRC32C the node holds for its copy
}
struct ChunkCheckReply {
  referenced @0 :Bool;        # false: no inode of this shard wants that copy; delete it
}

struct CorruptReportRequest {
  fileId @0 :UInt64;
  index @1 :UInt32;
  host @2 :UInt32;
}
struct CorruptReportReply {}

struct ShardStatsRequest {}
struct ShardStatsReply {
  stats @0 :Cluster.ShardStats;
}

# repairer -> meta shard: the head of the under-replicated queue, fewest live first.
struct RepairQueueRequest {
  limit @0 :UInt32;           # entries at most (0 or above 256: 256)
  afterLive @1 :UInt8;        # resume after this key (live, fileId, index); all 0: from the head
  afterFileId @2 :UInt64;
  afterIndex @3 :UInt32;
}
struct RepairEntry {
  fileId @0 :UInt64;
  index @1 :UInt32;
  length @2 :UInt32;
  crc @3 :UInt32;
  live @4 :UInt8;
  final @5 :UInt8;
  reason @6 :UInt8;           # records.capnp RepairReason
  sinceMs @7 :Int64;
  replicas @8 :List(Replica);
}
struct RepairQueueReply {
  epoch @0 :UInt64;           # the shard's map epoch
  entries @1 :List(RepairEntry);
  more @2 :Bool;
  total @3 :UInt64;           # entries in the whole queue
}

# storage node -> every meta shard: the node started with an empty store (a new or wiped
# disk), so the replicas the shard lists on it are gone. The shard walks the host's
# node -> chunk index, turns its live replicas offline (queued for repair) and answers
# only once the walk is over; the node repeats the request until every shard answered.
struct HostWipedRequest {
  host @0 :UInt32;
}
struct HostWipedReply {
  replicas @0 :UInt64;        # replicas the walk turned offline
}
