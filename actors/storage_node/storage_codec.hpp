#pragma once
// The storage protocol (schema/storage.capnp) in envelope frames: reading requests
// into plain values and building replies, plus request builders for clients and
// tests; and the orphan check a storage node asks a meta shard (chunkCheckRequest in
// schema/meta.capnp), both directions. Readers catch every Cap'n Proto exception
// (errc::corrupt). The coordinator's map push is runtime/cluster_map_codec.hpp.
#include <string>
#include <string_view>
#include <vector>

#include "actors/storage_node/chunk_store.hpp"
#include "runtime/cluster_stats.hpp"
#include "runtime/envelope.hpp"

namespace cairn {

struct chunk_put_request {
  chunk_key key;
  std::string_view data;  // points into the reader's frame: valid while it lives
};

// A storage node asking whether its copy of a chunk is still wanted.
struct chunk_check_request {
  chunk_key key;
  host_id host = 0;  // the asking node
  uint32_t crc = 0;  // the CRC32C the node's index holds for its copy
};

// A repairer asking this node to copy a chunk from one of `sources` (tried in order).
struct chunk_replicate_request {
  chunk_key key;
  uint32_t crc = 0;
  uint32_t length = 0;
  std::vector<host_id> sources;
};
struct chunk_replicate_reply {
  uint32_t crc = 0;
  uint32_t length = 0;
  host_id source = 0;  // where the bytes came from; 0 = the node held them already
  friend bool operator==(const chunk_replicate_reply&, const chunk_replicate_reply&) = default;
};

result<chunk_put_request> read_chunk_put_request(const envelope_reader& env);
// The chunk named by a chunkGetRequest or a chunkDeleteRequest.
result<chunk_key> read_chunk_get_request(const envelope_reader& env);
result<chunk_key> read_chunk_delete_request(const envelope_reader& env);

std::string make_chunk_put_reply(const envelope_header& request, const chunk_receipt& receipt);
std::string make_chunk_get_reply(const envelope_header& request, const chunk_data& chunk);
std::string make_chunk_delete_reply(const envelope_header& request, bool existed);
std::string make_node_stats_reply(const envelope_header& request, const node_stats& stats);

// Requests: `header` supplies addresses and ids; its kind is set here.
std::string make_chunk_put_request(envelope_header header, const chunk_key& key,
                                   std::string_view data);
std::string make_chunk_get_request(envelope_header header, const chunk_key& key);
std::string make_chunk_delete_request(envelope_header header, const chunk_key& key);
std::string make_node_stats_request(envelope_header header);

// chunkReplicate. Requests with more than 64 sources are corrupt.
result<chunk_replicate_request> read_chunk_replicate_request(const envelope_reader& env);
std::string make_chunk_replicate_reply(const envelope_header& request,
                                       const chunk_replicate_reply& reply);
std::string make_chunk_replicate_request(envelope_header header,
                                         const chunk_replicate_request& request);
// As read_chunk_check_reply: an errorReply's own error, corrupt for anything else.
result<chunk_replicate_reply> read_chunk_replicate_reply(std::string frame);

// A chunkGetReply as another storage node reads it (opened under `limits`); errors as
// for read_chunk_check_reply. The CRC is not checked here.
result<chunk_data> read_chunk_get_reply(std::string frame, const decode_limits& limits);

// The corruption report a storage node sends a chunk's home meta shard
// (corruptReportRequest in schema/meta.capnp), and the answer: ok for a
// corruptReportReply, errors as for read_chunk_check_reply.
std::string make_corrupt_report_request(envelope_header header, const chunk_key& key, host_id host);
status read_corrupt_report_reply(std::string frame);

// A node that starts with an empty store tells each meta shard (meta.capnp hostWiped).
std::string make_host_wiped_request(envelope_header header, host_id host);
status read_host_wiped_reply(std::string frame);

// The orphan check: the storage node builds the request and reads the reply (the
// meta shard's side is in actors/meta_shard/meta_codec).
std::string make_chunk_check_request(envelope_header header, const chunk_check_request& check);
// `referenced` from a chunkCheckReply frame. Any other reply is an error: an
// errorReply's own error, corrupt for another kind or an unreadable frame or payload.
result<bool> read_chunk_check_reply(std::string frame);

}  // namespace cairn
