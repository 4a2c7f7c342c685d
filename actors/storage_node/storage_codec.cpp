#include "actors/storage_node/storage_codec.hpp"

#include "cairn/schema/cluster.capnp.h"
#include "cairn/schema/meta.capnp.h"
#include "cairn/schema/storage.capnp.h"
#include "runtime/cluster_stats_codec.hpp"

namespace cairn {
namespace {

template <class Request>
result<chunk_key> read_key(const envelope_reader& env) {
  return guarded([&]() -> result<chunk_key> {
    auto p = env.payload<Request>();
    return chunk_key{p.getFileId(), p.getIndex()};
  });
}

constexpr size_t replicate_sources_max = 64;

kj::ArrayPtr<const capnp::byte> as_bytes(std::string_view s) {
  return kj::arrayPtr(reinterpret_cast<const capnp::byte*>(s.data()), s.size());
}

}  // namespace

result<chunk_put_request> read_chunk_put_request(const envelope_reader& env) {
  return guarded([&]() -> result<chunk_put_request> {
    auto p = env.payload<wire::ChunkPutRequest>();
    auto data = p.getData();
    return chunk_put_request{
        chunk_key{p.getFileId(), p.getIndex()},
        std::string_view(reinterpret_cast<const char*>(data.begin()), data.size())};
  });
}

result<chunk_key> read_chunk_get_request(const envelope_reader& env) {
  return read_key<wire::ChunkGetRequest>(env);
}

result<chunk_key> read_chunk_delete_request(const envelope_reader& env) {
  return read_key<wire::ChunkDeleteRequest>(env);
}

std::string make_chunk_put_reply(const envelope_header& request, const chunk_receipt& receipt) {
  envelope_builder b(reply_header(request, wire::MessageKind::CHUNK_PUT_REPLY));
  auto p = b.init_payload<wire::ChunkPutReply>();
  p.setCrc(receipt.crc);
  p.setLength(receipt.length);
  return b.finish();
}

std::string make_chunk_get_reply(const envelope_header& request, const chunk_data& chunk) {
  envelope_builder b(reply_header(request, wire::MessageKind::CHUNK_GET_REPLY));
  auto p = b.init_payload<wire::ChunkGetReply>();
  p.setCrc(chunk.crc);
  p.setData(as_bytes(chunk.bytes));
  return b.finish();
}

std::string make_chunk_delete_reply(const envelope_header& request, bool existed) {
  envelope_builder b(reply_header(request, wire::MessageKind::CHUNK_DELETE_REPLY));
  b.init_payload<wire::ChunkDeleteReply>().setExisted(existed);
  return b.finish();
}

std::string make_node_stats_reply(const envelope_header& request, const node_stats& stats) {
  envelope_builder b(reply_header(request, wire::MessageKind::NODE_STATS_REPLY));
  write_node_stats(b.init_payload<wire::NodeStatsReply>().initStats(), stats);
  return b.finish();
}

std::string make_chunk_put_request(envelope_header header, const chunk_key& key,
                                   std::string_view data) {
  header.kind = wire::MessageKind::CHUNK_PUT_REQUEST;
  envelope_builder b(header);
  auto p = b.init_payload<wire::ChunkPutRequest>();
  p.setFileId(key.file);
  p.setIndex(key.index);
  p.setData(as_bytes(data));
  return b.finish();
}

std::string make_chunk_get_request(envelope_header header, const chunk_key& key) {
  header.kind = wire::MessageKind::CHUNK_GET_REQUEST;
  envelope_builder b(header);
  auto p = b.init_payload<wire::ChunkGetRequest>();
  p.setFileId(key.file);
  p.setIndex(key.index);
  return b.finish();
}

std::string make_chunk_delete_request(envelope_header header, const chunk_key& key) {
  header.kind = wire::MessageKind::CHUNK_DELETE_REQUEST;
  envelope_builder b(header);
  auto p = b.init_payload<wire::ChunkDeleteRequest>();
  p.setFileId(key.file);
  p.setIndex(key.index);
  return b.finish();
}

std::string make_node_stats_request(envelope_header header) {
  header.kind = wire::MessageKind::NODE_STATS_REQUEST;
  envelope_builder b(header);
  b.init_payload<wire::NodeStatsRequest>();
  return b.finish();
}

std::string make_chunk_check_request(envelope_header header, const chunk_check_request& check) {
  header.kind = wire::MessageKind::CHUNK_CHECK_REQUEST;
  envelope_builder b(header);
  auto p = b.init_payload<wire::ChunkCheckRequest>();
  p.setFileId(check.key.file);
  p.setIndex(check.key.index);
  p.setHost(check.host);
  p.setCrc(check.crc);
  return b.finish();
}

result<bool> read_chunk_check_reply(std::string frame) {
  auto env = open_reply(std::move(frame), wire::MessageKind::CHUNK_CHECK_REPLY, "chunk check");
  if (!env) return env.err();
  return guarded(
      [&]() -> result<bool> { return (*env)->payload<wire::ChunkCheckReply>().getReferenced(); });
}

result<chunk_replicate_request> read_chunk_replicate_request(const envelope_reader& env) {
  return guarded([&]() -> result<chunk_replicate_request> {
    auto p = env.payload<wire::ChunkReplicateRequest>();
    auto sources = p.getSources();
    if (sources.size() > replicate_sources_max)
      return error{errc::corrupt, "a chunk replicate request with " +
                                      std::to_string(sources.size()) + " sources (at most " +
                                      std::to_string(replicate_sources_max) + ")"};
    chunk_replicate_request out{{p.getFileId(), p.getIndex()}, p.getCrc(), p.getLength(), {}};
    for (auto host : sources) out.sources.push_back(host);
    return out;
  });
}

std::string make_chunk_replicate_reply(const envelope_header& request,
                                       const chunk_replicate_reply& reply) {
  envelope_builder b(reply_header(request, wire::MessageKind::CHUNK_REPLICATE_REPLY));
  auto p = b.init_payload<wire::ChunkReplicateReply>();
  p.setCrc(reply.crc);
  p.setLength(reply.length);
  p.setSource(reply.source);
  return b.finish();
}

std::string make_chunk_replicate_request(envelope_header header,
                                         const chunk_replicate_request& request) {
  header.kind = wire::MessageKind::CHUNK_REPLICATE_REQUEST;
  envelope_builder b(header);
  auto p = b.init_payload<wire::ChunkReplicateRequest>();
  p.setFileId(request.key.file);
  p.setIndex(request.key.index);
  p.setCrc(request.crc);
  p.setLength(request.length);
  auto sources = p.initSources(static_cast<unsigned>(request.sources.size()));
  for (unsigned i = 0; i < request.sources.size(); ++i) sources.set(i, request.sources[i]);
  return b.finish();
}

result<chunk_replicate_reply> read_chunk_replicate_reply(std::string frame) {
  auto env =
      open_reply(std::move(frame), wire::MessageKind::CHUNK_REPLICATE_REPLY, "chunk replicate");
  if (!env) return env.err();
  return guarded([&]() -> result<chunk_replicate_reply> {
    auto p = (*env)->payload<wire::ChunkReplicateReply>();
    return chunk_replicate_reply{p.getCrc(), p.getLength(), p.getSource()};
  });
}

result<chunk_data> read_chunk_get_reply(std::string frame, const decode_limits& limits) {
  auto env = open_reply(std::move(frame), wire::MessageKind::CHUNK_GET_REPLY, "chunk get", limits);
  if (!env) return env.err();
  return guarded([&]() -> result<chunk_data> {
    auto p = (*env)->payload<wire::ChunkGetReply>();
    auto data = p.getData();
    return chunk_data{p.getCrc(),
                      std::string(reinterpret_cast<const char*>(data.begin()), data.size())};
  });
}

std::string make_corrupt_report_request(envelope_header header, const chunk_key& key,
                                        host_id host) {
  header.kind = wire::MessageKind::CORRUPT_REPORT_REQUEST;
  envelope_builder b(header);
  auto p = b.init_payload<wire::CorruptReportRequest>();
  p.setFileId(key.file);
  p.setIndex(key.index);
  p.setHost(host);
  return b.finish();
}

status read_corrupt_report_reply(std::string frame) {
  auto env =
      open_reply(std::move(frame), wire::MessageKind::CORRUPT_REPORT_REPLY, "corruption report");
  if (!env) return env.err();
  return ok_status();
}

std::string make_host_wiped_request(envelope_header header, host_id host) {
  header.kind = wire::MessageKind::HOST_WIPED_REQUEST;
  envelope_builder b(header);
  b.init_payload<wire::HostWipedRequest>().setHost(host);
  return b.finish();
}

status read_host_wiped_reply(std::string frame) {
  auto env = open_reply(std::move(frame), wire::MessageKind::HOST_WIPED_REPLY, "new-disk notice");
  if (!env) return env.err();
  return ok_status();
}

}  // namespace cairn
