#include "actors/client/put_op.hpp"

#include "actors/client/write_quorum.hpp"
#include "cairn/schema/meta.capnp.h"
#include "cairn/schema/storage.capnp.h"
#include "runtime/buggify.hpp"
#include "runtime/crc32c.hpp"
#include "runtime/path.hpp"

namespace cairn {
namespace {

using wire::MessageKind;

class put_operation : public std::enable_shared_from_this<put_operation> {
 public:
  put_operation(context_ptr ctx, std::string path, std::shared_ptr<byte_source> src,
                put_options opt, callback<put_summary> cb)
      : ctx_(std::move(ctx)),
        path_(std::move(path)),
        src_(std::move(src)),
        opt_(opt),
        cb_(std::move(cb)),
        trace_(ctx_->new_trace_id()),
        quorum_(0, 0) {}

  void start() {
    auto names = split_path(path_);
    if (!names) return finish(names.err());
    if (names->empty()) return finish(error{errc::is_a_directory, "/ is a directory"});
    name_ = names->back();
    names->pop_back();
    resolve_dir(ctx_, trace_, *names, [self = shared_from_this()](result<inode_id> dir) {
      if (!dir) return self->finish(dir.err());
      self->create(*dir);
    });
  }

 private:
  void create(inode_id dir) {
    ctx_->call(
        ctx_->map().meta_address_for(dir), MessageKind::FILE_CREATE_REQUEST, trace_,
        [&](envelope_builder& b) {
          auto p = b.init_payload<wire::FileCreateRequest>();
          p.setParentId(dir);
          p.setName(name_);
          p.setSize(src_->size());
          p.setMinReplicas(opt_.min_replicas);
          p.setFinalReplicas(opt_.final_replicas);
        },
        [self = shared_from_this()](result<reply> r) { self->on_created(std::move(r)); });
  }

  void on_created(result<reply> r) {
    if (!r) return finish(r.err());
    auto ok = guarded([&]() -> status {
      auto p = r.value()->payload<wire::FileCreateReply>();
      file_ = p.getFileId();
      chunk_size_ = p.getChunkSize();
      quorum_ = write_quorum(p.getMinReplicas(), p.getFinalReplicas());
      for (auto c : p.getChunks()) {
        std::vector<host_id> targets;
        for (auto h : c.getTargets()) targets.push_back(h);
        targets_.push_back(std::move(targets));
      }
      return ok_status();
    });
    if (!ok) return finish(ok.err());
    if (chunk_size_ == 0) return abort(error{errc::corrupt, "placement without a chunk size"});
    pump();
    evaluate();
  }

  // Sends chunks until the window is full.
  void pump() {
    while (!failed_ && inflight_ < ctx_->options().chunk_window_max && next_ < targets_.size()) {
      uint32_t index = next_++;
      uint64_t offset = uint64_t{index} * chunk_size_;
      uint64_t length = offset >= src_->size() ? 0 : std::min(chunk_size_, src_->size() - offset);
      auto data = src_->read(offset, length);
      if (!data) return abort(data.err());
      uint32_t crc = crc32c(data->data(), data->size());
      file_crc_ = crc32c(data->data(), data->size(), file_crc_);
      quorum_.add_chunk(index, targets_[index].size(), crc, static_cast<uint32_t>(length));
      ++inflight_;
      auto bytes = std::make_shared<std::string>(std::move(*data));
      for (auto host : targets_[index]) send_chunk(index, host, bytes);
    }
  }

  void send_chunk(uint32_t index, host_id host, const std::shared_ptr<std::string>& bytes) {
    ctx_->call(
        storage_address(host), MessageKind::CHUNK_PUT_REQUEST, trace_,
        [&](envelope_builder& b) {
          auto p = b.init_payload<wire::ChunkPutRequest>();
          p.setFileId(file_);
          p.setIndex(index);
          p.setData(kj::arrayPtr(reinterpret_cast<const kj::byte*>(bytes->data()), bytes->size()));
        },
        [self = shared_from_this(), index, host](result<reply> r) {
          self->on_chunk_reply(index, host, std::move(r));
        });
  }

  void on_chunk_reply(uint32_t index, host_id host, result<reply> r) {
    if (r) {
      auto crc = guarded(
          [&]() -> result<uint32_t> { return r.value()->payload<wire::ChunkPutReply>().getCrc(); });
      if (crc)
        quorum_.on_ack(index, host, *crc);
      else
        quorum_.on_failure(index, host, crc.code());
      bool matches = crc && *crc == quorum_.chunk_crc(index);
      if (matches && commit_sent_) late_acks_.push_back({index, host, *crc});
    } else {
      quorum_.on_failure(index, host, r.code());
      if (first_error_.code == errc::ok || r.code() == errc::no_space) first_error_ = r.err();
    }
    if (chunk_answered(index)) {
      --inflight_;
      pump();
    }
    evaluate();
  }

  bool chunk_answered(uint32_t index) const {
    for (auto& c : quorum_.chunks())
      if (c.index == index) return c.acked.size() + c.failures == c.targets;
    return false;
  }

  void evaluate() {
    if (done_ || failed_) {
      if (committed_) report_late_acks();
      return;
    }
    if (quorum_.failed()) {
      auto why = first_error_;
      why.code = quorum_.failure_code();
      if (why.message.empty()) why.message = "fewer than min replicas acknowledged";
      return abort(error{why.code, "writing " + path_ + ": fewer than " +
                                       std::to_string(quorum_.min_replicas()) +
                                       " replicas durable (" + why.message + ")"});
    }
    if (commit_sent_ || next_ < targets_.size() || !quorum_.committable()) return;
    // Fault site: commit at min acks at once, so late acks go out as replicaAdd.
    if (quorum_.all_answered() || grace_over_ || buggify("client.commit_at_min")) return commit();
    if (!grace_started_) {
      grace_started_ = true;
      ctx_->after(std::chrono::milliseconds(ctx_->options().straggler_grace_ms),
                  [self = shared_from_this()] {
                    self->grace_over_ = true;
                    self->evaluate();
                  });
    }
  }

  void commit() {
    commit_sent_ = true;
    ctx_->call(
        ctx_->map().meta_address_for(file_), MessageKind::FILE_COMMIT_REQUEST, trace_,
        [&](envelope_builder& b) {
          auto p = b.init_payload<wire::FileCommitRequest>();
          p.setFileId(file_);
          auto& chunks = quorum_.chunks();
          auto out = p.initChunks(static_cast<unsigned>(chunks.size()));
          for (unsigned i = 0; i < chunks.size(); ++i) {
            out[i].setIndex(chunks[i].index);
            out[i].setLength(chunks[i].length);
            out[i].setCrc(chunks[i].crc);
            auto reps = out[i].initReplicas(static_cast<unsigned>(chunks[i].acked.size()));
            for (unsigned j = 0; j < chunks[i].acked.size(); ++j) reps.set(j, chunks[i].acked[j]);
          }
        },
        [self = shared_from_this()](result<reply> r) { self->on_committed(std::move(r)); });
  }

  void on_committed(result<reply> r) {
    if (!r) {
      auto err = r.err();
      // The pending inode vanished: the shard lost the batch that created it (it
      // answered fileCreate before syncing). Nothing is visible; retrying is safe.
      if (err.code == errc::not_found)
        err = error{errc::unavailable, "writing " + path_ + ": " + err.message + " (retry)"};
      return abort(err);
    }
    put_summary s;
    s.id = file_;
    s.bytes = src_->size();
    s.chunks = static_cast<uint32_t>(targets_.size());
    s.crc = file_crc_;
    auto under = guarded([&]() -> result<uint32_t> {
      return r.value()->payload<wire::FileCommitReply>().getUnderReplicatedChunks();
    });
    s.under_replicated_chunks = under ? *under : 0;
    committed_ = true;
    finish(s);
    report_late_acks();
  }

  // Replicas that became durable after the commit was sent.
  void report_late_acks() {
    for (auto& a : late_acks_) {
      ctx_->call(
          ctx_->map().meta_address_for(file_), MessageKind::REPLICA_ADD_REQUEST, trace_,
          [&](envelope_builder& b) {
            auto p = b.init_payload<wire::ReplicaAddRequest>();
            p.setFileId(file_);
            p.setIndex(a.index);
            p.setHost(a.host);
            p.setCrc(a.crc);
          },
          [](result<reply>) {});  // best effort: repair covers a lost report
    }
    late_acks_.clear();
  }

  // Fails the put; the pending inode (if any) is dropped so its chunks are collected.
  void abort(error err) {
    failed_ = true;
    if (file_ != 0 && !committed_) drop_inode(ctx_, trace_, file_, [](result<unit>) {});
    finish(std::move(err));
  }

  void finish(result<put_summary> r) {
    if (done_) return;
    done_ = true;
    if (!r && r.code() == errc::already_exists)
      r = error{errc::already_exists, path_ + " already exists"};
    cb_(std::move(r));
  }

  struct late_ack {
    uint32_t index;
    host_id host;
    uint32_t crc;
  };

  context_ptr ctx_;
  std::string path_, name_;
  std::shared_ptr<byte_source> src_;
  put_options opt_;
  callback<put_summary> cb_;
  uint64_t trace_;
  inode_id file_ = 0;
  uint64_t chunk_size_ = 0;
  std::vector<std::vector<host_id>> targets_;
  write_quorum quorum_;
  uint32_t next_ = 0, inflight_ = 0, file_crc_ = 0;
  bool commit_sent_ = false, committed_ = false, grace_started_ = false, grace_over_ = false;
  bool failed_ = false, done_ = false;
  error first_error_{errc::ok, ""};
  std::vector<late_ack> late_acks_;
};

}  // namespace

void put_file(const context_ptr& ctx, const std::string& path, std::shared_ptr<byte_source> src,
              put_options opt, callback<put_summary> cb) {
  std::make_shared<put_operation>(ctx, path, std::move(src), opt, std::move(cb))->start();
}

}  // namespace cairn
