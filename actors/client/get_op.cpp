#include "actors/client/get_op.hpp"

#include <algorithm>
#include <map>

#include "actors/client/read_plan.hpp"
#include "cairn/schema/meta.capnp.h"
#include "cairn/schema/storage.capnp.h"
#include "runtime/buggify.hpp"
#include "runtime/crc32c.hpp"
#include "runtime/path.hpp"

namespace cairn {
namespace {

using wire::MessageKind;

class get_operation : public std::enable_shared_from_this<get_operation> {
 public:
  get_operation(context_ptr ctx, std::string path, std::shared_ptr<byte_sink> sink,
                callback<get_summary> cb)
      : ctx_(std::move(ctx)),
        path_(std::move(path)),
        sink_(std::move(sink)),
        cb_(std::move(cb)),
        trace_(ctx_->new_trace_id()) {}

  void start() {
    stat_path(ctx_, path_, [self = shared_from_this()](result<file_info> f) {
      if (!f) return self->finish(f.err());
      if (f->kind == entry_kind::directory)
        return self->finish(error{errc::is_a_directory, self->path_ + " is a directory"});
      if (!f->committed)
        return self->finish(error{errc::not_found, self->path_ + " is not committed"});
      self->file_ = std::move(*f);
      self->rotation_ = self->ctx_->random(1024);
      self->pump();
    });
  }

 private:
  void pump() {
    while (!done_ && inflight_ < ctx_->options().chunk_window_max && next_ < file_.chunks.size()) {
      auto& chunk = file_.chunks[next_++];
      ++inflight_;
      auto order = replica_read_order(chunk, rotation_ + chunk.index);
      // Fault site: read the least preferred replica first (e.g. a corrupt or missing one).
      if (order.size() > 1 && buggify("client.read_worst_replica_first"))
        std::rotate(order.begin(), order.end() - 1, order.end());
      try_replica(chunk.index, std::move(order), 0);
    }
    if (!done_ && written_ == file_.chunks.size()) {
      if (auto st = sink_->finish(); !st) return finish(st.err());
      finish(summary_);
    }
  }

  const chunk_info& chunk(uint32_t index) const {
    for (auto& c : file_.chunks)
      if (c.index == index) return c;
    CAIRN_ASSERT(false);
    return file_.chunks.front();
  }

  void try_replica(uint32_t index, std::vector<host_id> order, size_t attempt) {
    if (attempt == order.size()) {
      // The file exists: a chunk missing on the replica tried last is not the file
      // being absent, so not_found is reported as unavailable (corrupt stays corrupt).
      auto code = last_error_.code;
      if (code == errc::ok || code == errc::not_found) code = errc::unavailable;
      return finish(
          error{code, path_ + ": no replica of chunk " + std::to_string(index) + " could be read" +
                          (last_error_.message.empty() ? "" : " (" + last_error_.message + ")")});
    }
    host_id host = order[attempt];
    ctx_->call(
        storage_address(host), MessageKind::CHUNK_GET_REQUEST, trace_,
        [&](envelope_builder& b) {
          auto p = b.init_payload<wire::ChunkGetRequest>();
          p.setFileId(file_.id);
          p.setIndex(index);
        },
        [self = shared_from_this(), index, order, attempt, host](result<reply> r) {
          if (self->done_) return;
          auto data = self->verified(index, std::move(r));
          if (data) return self->on_chunk(index, std::move(*data));
          self->last_error_ = data.err();
          // A replica the map calls live that is corrupt or gone gets recorded.
          if (data.code() == errc::corrupt || data.code() == errc::not_found)
            self->report_bad_replica(index, host);
          ++self->summary_.replica_fallbacks;
          self->try_replica(index, order, attempt + 1);
        });
  }

  // The chunk's bytes if the reply carries exactly what the inode says was written.
  result<std::string> verified(uint32_t index, result<reply> r) {
    if (!r) return r.err();
    auto& want = chunk(index);
    return guarded([&]() -> result<std::string> {
      auto data = r.value()->payload<wire::ChunkGetReply>().getData();
      std::string bytes(reinterpret_cast<const char*>(data.begin()), data.size());
      if (bytes.size() != want.length || crc32c(bytes.data(), bytes.size()) != want.crc)
        return error{errc::corrupt, "chunk " + std::to_string(index) + " failed its checksum"};
      return bytes;
    });
  }

  void report_bad_replica(uint32_t index, host_id host) {
    ctx_->call(
        ctx_->map().meta_address_for(file_.id), MessageKind::CORRUPT_REPORT_REQUEST, trace_,
        [&](envelope_builder& b) {
          auto p = b.init_payload<wire::CorruptReportRequest>();
          p.setFileId(file_.id);
          p.setIndex(index);
          p.setHost(host);
        },
        [](result<reply>) {});  // best effort: the scrubber finds what a lost report misses
  }

  void on_chunk(uint32_t index, std::string bytes) {
    ready_.emplace(index, std::move(bytes));
    // Chunks are numbered 0..n-1 in order; write every consecutive one we have.
    while (!ready_.empty() && ready_.begin()->first == written_) {
      auto& bytes_in_order = ready_.begin()->second;
      summary_.crc = crc32c(bytes_in_order.data(), bytes_in_order.size(), summary_.crc);
      summary_.bytes += bytes_in_order.size();
      if (auto st = sink_->write(bytes_in_order); !st) return finish(st.err());
      ready_.erase(ready_.begin());
      ++written_;
      ++summary_.chunks;
      --inflight_;
    }
    pump();
  }

  void finish(result<get_summary> r) {
    if (done_) return;
    done_ = true;
    cb_(std::move(r));
  }

  context_ptr ctx_;
  std::string path_;
  std::shared_ptr<byte_sink> sink_;
  callback<get_summary> cb_;
  uint64_t trace_;
  file_info file_;
  uint64_t rotation_ = 0;
  uint32_t next_ = 0, inflight_ = 0, written_ = 0;
  std::map<uint32_t, std::string> ready_;
  get_summary summary_;
  error last_error_{errc::ok, ""};
  bool done_ = false;
};

}  // namespace

void get_file(const context_ptr& ctx, const std::string& path, std::shared_ptr<byte_sink> sink,
              callback<get_summary> cb) {
  std::make_shared<get_operation>(ctx, path, std::move(sink), std::move(cb))->start();
}

}  // namespace cairn
