#include "actors/storage_node/storage_codec.hpp"

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
  p.setData(
      kj::arrayPtr(reinterpret_cast<const capnp::byte*>(chunk.bytes.data()), chunk.bytes.size()));
  return b.finish();
}

std::string make_chunk_delete_reply(const envelope_header& request, bool existed) {
  envelope_builder b(reply_header(request, wire::MessageKind::CHUNK_DELETE_REPLY));
  b.init_payload<wire::ChunkDeleteReply>().setExisted(existed);
  return b.finish();
}

std::string make_node_stats_reply(const envelope_header& request, host_id host,
                                  const chunk_store_stats& stats) {
  envelope_builder b(reply_header(request, wire::MessageKind::NODE_STATS_REPLY));
  write_node_stats(b.init_payload<wire::NodeStatsReply>().initStats(),
                   node_stats{host, stats.chunks, stats.bytes, stats.free_bytes, true});
  return b.finish();
}

std::string make_chunk_put_request(envelope_header header, const chunk_key& key,
                                   std::string_view data) {
  header.kind = wire::MessageKind::CHUNK_PUT_REQUEST;
  envelope_builder b(header);
  auto p = b.init_payload<wire::ChunkPutRequest>();
  p.setFileId(key.file);
  p.setIndex(key.index);
  p.setData(kj::arrayPtr(reinterpret_cast<const capnp::byte*>(data.data()), data.size()));
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
  return b.finish();
}

result<bool> read_chunk_check_reply(std::string frame) {
  auto env = envelope_reader::open(std::move(frame));
  if (!env) return env.err();
  auto kind = (*env)->kind();
  if (kind == wire::MessageKind::ERROR_REPLY) {
    auto err = read_error_reply(**env);
    if (err.code == errc::ok) return error{errc::corrupt, "an errorReply with code ok"};
    return err;
  }
  if (kind != wire::MessageKind::CHUNK_CHECK_REPLY)
    return error{errc::corrupt, "a chunk check was answered with message kind " +
                                    std::to_string(static_cast<uint16_t>(kind))};
  return guarded(
      [&]() -> result<bool> { return (*env)->payload<wire::ChunkCheckReply>().getReferenced(); });
}

}  // namespace cairn
