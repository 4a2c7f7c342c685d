// chunkReplicate: a repairer asks this node to hold a copy of a chunk. The node fetches
// it from the first source that gives bytes matching the requested CRC32C and length
// (chunkGet, one source at a time, each with a timeout), stages it in the open batch
// like a put, and answers once the batch is durable. Requests for a chunk already being
// replicated with the same crc wait for that one: the chunk is written once.
#include <chrono>

#include "actors/storage_node/storage_node_shell.hpp"
#include "cairn/schema/storage.capnp.h"
#include "runtime/cluster_map.hpp"
#include "runtime/crc32c.hpp"
#include "runtime/net/registry.hpp"

namespace cairn {
namespace {

std::string key_name(const chunk_key& key) {
  return std::to_string(key.file) + "/" + std::to_string(key.index);
}

void fetch_next(storage_actor* self, const chunk_key& key);

void answer_all(storage_actor* self, const chunk_key& key, const result<chunk_replicate_reply>& r) {
  auto& st = self->state;
  auto it = st.replicating.find(key);
  CAIRN_ASSERT(it != st.replicating.end());
  auto op = std::move(it->second);
  st.replicating.erase(it);
  if (!r)
    st.log->warn("trace={:016x} replicate of chunk {} to host {} failed: {}",
                 op.waiters.front().request.trace_id, key_name(key), st.opt.host,
                 r.err().to_string());
  else
    st.log->info("trace={:016x} replicated chunk {} ({} bytes) from host {} to host {}",
                 op.waiters.front().request.trace_id, key_name(key), r->length, r->source,
                 st.opt.host);
  for (auto& w : op.waiters)
    w.promise.deliver(r ? make_chunk_replicate_reply(w.request, *r)
                        : make_error_reply(w.request, r.err()));
}

// Every source was tried: corrupt when each one that answered had a bad copy, else
// unavailable.
void fail_exhausted(storage_actor* self, const chunk_key& key) {
  auto& op = self->state.replicating.at(key);
  bool all_bad = op.answers > 0 && op.bad_copies == op.answers;
  errc code = all_bad ? errc::corrupt : errc::unavailable;
  std::string what = all_bad           ? "every source's copy failed its CRC32C"
                     : op.answers == 0 ? "no source answered"
                                       : "no source had a good copy";
  answer_all(self, key,
             error{code, "cannot replicate chunk " + key_name(key) + ": " + what + " (" +
                             op.failures + ")"});
}

void store_fetched(storage_actor* self, const chunk_key& key, host_id source,
                   std::string_view bytes) {
  auto& op = self->state.replicating.at(key);
  op.storing = true;
  op.source = source;
  stage_own_put(self, key, bytes, [self, key, source](const op_reply& r) {
    if (r.code != errc::ok) return answer_all(self, key, error{r.code, r.message});
    answer_all(self, key, chunk_replicate_reply{r.put.crc, r.put.length, source});
  });
}

void on_fetched(storage_actor* self, const chunk_key& key, host_id source, result<chunk_data> got) {
  auto& st = self->state;
  auto it = st.replicating.find(key);
  if (it == st.replicating.end() || it->second.storing) return;
  auto& op = it->second;
  std::string& failures = op.failures;
  if (!failures.empty()) failures += "; ";
  failures += "host " + std::to_string(source) + ": ";
  if (!got) {
    bool answered = got.code() != errc::timeout && got.code() != errc::unavailable;
    op.answers += answered;
    op.bad_copies += got.code() == errc::corrupt;
    failures += got.err().to_string();
    return fetch_next(self, key);
  }
  ++op.answers;
  uint32_t crc = crc32c(got->bytes.data(), got->bytes.size());
  if (crc != op.request.crc || got->bytes.size() != op.request.length) {
    ++op.bad_copies;
    failures += "bytes fail the check (crc " + std::to_string(crc) + ", length " +
                std::to_string(got->bytes.size()) + "; want crc " + std::to_string(op.request.crc) +
                ", length " + std::to_string(op.request.length) + ")";
    st.log->warn("trace={:016x} replicate of chunk {}: host {} sent a bad copy",
                 op.waiters.front().request.trace_id, key_name(key), source);
    return fetch_next(self, key);
  }
  failures.clear();
  store_fetched(self, key, source, got->bytes);
}

// Asks the next source that is registered; when none is left, fails the replicate.
void fetch_next(storage_actor* self, const chunk_key& key) {
  auto& st = self->state;
  auto& op = st.replicating.at(key);
  while (op.next_source < op.request.sources.size()) {
    host_id source = op.request.sources[op.next_source++];
    address to = storage_address(source);
    auto target = st.reg->find(to);
    if (!target) {
      if (!op.failures.empty()) op.failures += "; ";
      op.failures += "host " + std::to_string(source) + ": no storage node registered";
      continue;
    }
    uint64_t trace = op.waiters.front().request.trace_id;
    auto frame = make_chunk_get_request(
        envelope_header{st.self_address, to, ++st.next_correlation, trace, 0, {}}, key);
    decode_limits limits{st.opt.frame_bytes_max};
    self->request(*target, std::chrono::milliseconds(st.opt.replicate_fetch_timeout_ms),
                  envelope_atom::value, std::move(frame))
        .then(
            [self, key, source, limits](std::string& reply) {
              on_fetched(self, key, source, read_chunk_get_reply(std::move(reply), limits));
            },
            [self, key, source](caf::error& err) {
              auto code = err == caf::sec::request_timeout ? errc::timeout : errc::unavailable;
              on_fetched(self, key, source, error{code, self->system().render(err)});
            });
    return;
  }
  fail_exhausted(self, key);
}

// invalid_argument for a request no source could satisfy.
status check_request(const chunk_replicate_request& req, size_t frame_bytes_max) {
  if (req.sources.empty()) return error{errc::invalid_argument, "a replicate names no source"};
  if (req.length == 0) return error{errc::invalid_argument, "a replicate of an empty chunk"};
  if (req.length > frame_bytes_max)
    return error{errc::invalid_argument, "a replicate of " + std::to_string(req.length) +
                                             " bytes exceeds the frame limit of " +
                                             std::to_string(frame_bytes_max)};
  return ok_status();
}

}  // namespace

caf::result<std::string> on_replicate(storage_actor* self, const envelope_reader& env) {
  auto& st = self->state;
  auto& h = env.header();
  auto req = read_chunk_replicate_request(env);
  if (!req) return malformed(self, h, req.err());
  if (auto bad = check_request(*req, st.opt.frame_bytes_max); !bad)
    return make_error_reply(h, bad.err());
  auto key = req->key;
  if (auto it = st.replicating.find(key); it != st.replicating.end()) {
    auto& op = it->second;
    if (op.request.crc != req->crc || op.request.length != req->length)
      return make_error_reply(h, {errc::overloaded, "chunk " + key_name(key) +
                                                        " is being replicated with another crc"});
    auto promise = self->make_response_promise();
    op.waiters.push_back({promise, h});
    return promise;
  }
  auto held = st.store->get(key);
  if (auto refused = refuse_when_held_full(self, h)) return std::move(*refused);
  if (held && held->crc == req->crc && held->bytes.size() == req->length) {
    // Already here, but not necessarily staying: the orphan scan may have just judged
    // this copy unreferenced (it was, until this repair) and staged its removal. Writing
    // it again counts as a new put for the scan, voids that verdict and lands after any
    // staged remove; the reply (source 0) waits for its commit like any other.
    auto promise = self->make_response_promise();
    auto& op = st.replicating[key];
    op.request = std::move(*req);
    op.waiters.push_back({promise, h});
    store_fetched(self, key, 0, held->bytes);
    return promise;
  }
  if (st.replicating.size() >= st.opt.replicates_max)
    return make_error_reply(h, {errc::overloaded, "too many replicates in flight"});
  if (uint64_t room = st.store->stats().free_bytes; room < req->length)
    return make_error_reply(
        h, {errc::no_space, "chunk of " + std::to_string(req->length) + " bytes does not fit in " +
                                std::to_string(room) + " free bytes"});
  if (held || held.code() != errc::not_found)
    st.log->info("trace={:016x} replicate of chunk {} replaces this host's copy ({})", h.trace_id,
                 key_name(key), held ? "crc " + std::to_string(held->crc) : held.err().to_string());
  auto promise = self->make_response_promise();
  auto& op = st.replicating[key];
  op.request = std::move(*req);
  op.waiters.push_back({promise, h});
  fetch_next(self, key);
  return promise;
}

}  // namespace cairn
