#include "actors/storage_node/disk_chunk_store.hpp"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <limits>

#include "runtime/crc32c.hpp"

namespace cairn {
namespace {

status make_dir(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return error{errc::io_error, "cannot create " + path + ": " + ec.message()};
  return ok_status();
}

// A new file's directory entry is durable only once its directory is synced.
status sync_dir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return file_error(errno, "cannot open directory", path);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return file_error(err, "cannot sync directory", path);
  return ok_status();
}

// "00000042.seg" -> 42; nullopt for any other name.
std::optional<uint32_t> parse_segment_name(const std::string& name) {
  if (name.size() != 12 || name.substr(8) != ".seg") return std::nullopt;
  uint64_t id = 0;
  for (size_t i = 0; i < 8; ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
    id = id * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  return static_cast<uint32_t>(id);
}

}  // namespace

result<std::unique_ptr<disk_chunk_store>> disk_chunk_store::open(
    const disk_chunk_store_options& opt) {
  if (opt.data_dir.empty()) return error{errc::invalid_argument, "storage data_dir is empty"};
  if (opt.write_buffer_bytes_max == 0 || opt.write_buffer_bytes_max % segment_block_bytes != 0)
    return error{errc::invalid_argument, "write_buffer_bytes_max must be a positive multiple of " +
                                             std::to_string(segment_block_bytes)};
  for (auto dir : {opt.data_dir + "/segments", opt.data_dir + "/index"})
    if (auto st = make_dir(dir); !st) return st.err();
  auto writer = batch_writer::create(static_cast<size_t>(opt.write_buffer_bytes_max));
  if (!writer) return writer.err();
  auto index = chunk_index::open(opt.data_dir + "/index", opt.index_map_bytes);
  if (!index) return index.err();
  std::unique_ptr<disk_chunk_store> store(
      new disk_chunk_store(opt, std::move(index.value()), std::move(writer.value())));
  if (auto st = store->recover(); !st) return st.err();
  return store;
}

status disk_chunk_store::recover() {
  std::map<uint32_t, uint64_t> indexed_end;  // segment -> end of its last indexed record
  auto scanned = index_.scan([&](const chunk_key&, const index_entry& e) {
    ++chunks_;
    bytes_ += e.length;
    uint64_t end = e.offset + segment_record_header_bytes + e.length;
    auto& slot = indexed_end[e.segment];
    slot = std::max(slot, end);
  });
  if (!scanned) return scanned.err();

  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(segments_dir(), ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    auto id = parse_segment_name(it->path().filename().string());
    if (!id) continue;
    auto seg = segment_file::open(it->path().string());
    if (!seg) return seg.err();
    segments_.emplace(*id, std::move(seg.value()));
  }
  if (ec) return error{errc::io_error, "cannot list " + segments_dir() + ": " + ec.message()};

  if (segments_.empty()) {
    auto seg = segment_file::open(segment_path(segments_dir(), 0));
    if (!seg) return seg.err();
    segments_.emplace(0, std::move(seg.value()));
    if (auto st = sync_dir(segments_dir()); !st) return st.err();
  }
  active_ = segments_.rbegin()->first;
  // Bytes past the padding of the last indexed record were written by a batch that
  // never committed. The cut lands on a block boundary, where the next batch starts
  // (a segment from before padding existed is zero-extended to one).
  auto& active = segments_.at(active_);
  uint64_t end = align_up_to_block(indexed_end.count(active_) ? indexed_end[active_] : 0);
  if (active.size() != end) {
    if (auto st = active.truncate(end); !st) return st.err();
    if (auto st = active.sync(); !st) return st.err();
  }
  writer_.reset(end);
  for (auto& [_, seg] : segments_) used_bytes_ += seg.size();
  return ok_status();
}

bool disk_chunk_store::needs_roll(uint64_t record_bytes) const {
  uint64_t end = writer_.end();
  return end > 0 && align_up_to_block(end + record_bytes) > opt_.segment_bytes_max;
}

uint64_t disk_chunk_store::footprint(uint64_t record_bytes) const {
  // used_bytes_ already holds the active segment's end rounded up to a block.
  if (needs_roll(record_bytes)) return align_up_to_block(record_bytes);
  uint64_t end = writer_.end();
  return align_up_to_block(end + record_bytes) - align_up_to_block(end);
}

status disk_chunk_store::roll_segment() {
  if (auto st = writer_.finish(segments_.at(active_)); !st) return fail_batch(st.err());
  uint32_t next = active_ + 1;
  auto seg = segment_file::open(segment_path(segments_dir(), next));
  if (!seg) return seg.err();
  if (auto st = sync_dir(segments_dir()); !st) return st.err();
  active_ = next;
  segments_.insert_or_assign(next, std::move(seg.value()));
  writer_.reset(0);
  return ok_status();
}

uint64_t disk_chunk_store::free_bytes() const {
  struct statvfs fs {};
  uint64_t fs_free = 0;  // an unreadable filesystem has no room
  if (::statvfs(opt_.data_dir.c_str(), &fs) == 0)
    fs_free = static_cast<uint64_t>(fs.f_bavail) * static_cast<uint64_t>(fs.f_frsize);
  if (opt_.capacity_bytes == 0) return fs_free;
  uint64_t quota_free = opt_.capacity_bytes > used_bytes_ ? opt_.capacity_bytes - used_bytes_ : 0;
  return std::min(quota_free, fs_free);
}

result<chunk_receipt> disk_chunk_store::append(const chunk_key& key, std::string_view bytes) {
  if (batch_error_) return *batch_error_;
  if (bytes.size() > std::numeric_limits<uint32_t>::max())
    return error{errc::invalid_argument, "chunk larger than 4 GiB"};
  uint64_t record_bytes = segment_record_header_bytes + bytes.size();
  uint64_t need = footprint(record_bytes);
  if (uint64_t room = free_bytes(); need > room)
    return error{errc::no_space, "chunk record of " + std::to_string(record_bytes) + " bytes (" +
                                     std::to_string(need) + " with padding) does not fit in " +
                                     std::to_string(room) + " free bytes"};
  if (needs_roll(record_bytes))
    if (auto st = roll_segment(); !st) return st.err();
  auto& seg = segments_.at(active_);
  batch_start_.try_emplace(active_, writer_.end());
  auto length = static_cast<uint32_t>(bytes.size());
  uint32_t crc = crc32c(bytes.data(), bytes.size());
  uint64_t offset = writer_.end();
  if (auto st = writer_.add(seg, {key, length, crc}, bytes); !st) return fail_batch(st.err());
  used_bytes_ += need;
  batch_used_bytes_ += need;
  batch_ops_.push_back(index_op{key, false, index_entry{active_, offset, length, crc}});
  return chunk_receipt{crc, length};
}

void disk_chunk_store::remove(const chunk_key& key) {
  if (batch_error_) return;
  batch_ops_.push_back(index_op{key, true, {}});
}

result<batch_receipt> disk_chunk_store::commit(int64_t now_ms) {
  if (batch_error_) {
    error failed = *batch_error_;
    reset_batch();
    return failed;
  }
  batch_receipt receipt;
  if (batch_ops_.empty()) return receipt;
  // Only the active segment can hold packed bytes: a roll wrote out the previous one.
  if (auto st = writer_.finish(segments_.at(active_)); !st) {
    discard_batch();
    reset_batch();
    return st.err();
  }
  for (auto& [id, _] : batch_start_) {
    if (auto st = segments_.at(id).sync(); !st) {
      discard_batch();
      reset_batch();
      return st.err();
    }
  }
  for (auto& op : batch_ops_) op.entry.commit_ms = now_ms;
  auto applied = index_.apply(batch_ops_);
  if (!applied) {
    discard_batch();
    reset_batch();
    return applied.err();
  }
  chunks_ = static_cast<uint64_t>(static_cast<int64_t>(chunks_) + applied->chunks_delta);
  bytes_ = static_cast<uint64_t>(static_cast<int64_t>(bytes_) + applied->bytes_delta);
  for (size_t i = 0; i < batch_ops_.size(); ++i)
    if (batch_ops_[i].remove) receipt.existed.push_back(applied->existed[i]);
  reset_batch();
  return receipt;
}

error disk_chunk_store::fail_batch(error why) {
  batch_error_ = why;
  discard_batch();
  return why;
}

void disk_chunk_store::discard_batch() {
  // Where the active segment's batch started; untouched, nothing is packed and end()
  // is already on a block boundary.
  auto active_start = batch_start_.find(active_);
  writer_.reset(active_start != batch_start_.end() ? active_start->second : writer_.end());
  // If a cut fails the tail stays as unindexed garbage: later batches overwrite it
  // and the next open cuts it.
  for (auto& [id, start] : batch_start_) (void)segments_.at(id).truncate(start);
  used_bytes_ -= batch_used_bytes_;
  batch_used_bytes_ = 0;
  batch_ops_.clear();
  batch_start_.clear();
}

void disk_chunk_store::reset_batch() {
  batch_ops_.clear();
  batch_start_.clear();
  batch_used_bytes_ = 0;
  batch_error_.reset();
}

result<chunk_data> disk_chunk_store::get(const chunk_key& key) {
  auto entry = index_.get(key);
  if (!entry) return entry.err();
  auto seg = segments_.find(entry->segment);
  if (seg == segments_.end())
    return error{errc::corrupt, "segment " + std::to_string(entry->segment) + " is missing"};
  char head[segment_record_header_bytes];
  if (auto st = seg->second.read_exact(entry->offset, head, sizeof(head)); !st) return st.err();
  auto header = decode_record_header(head);
  if (!header) return header.err();
  if (!(*header == segment_record_header{key, entry->length, entry->crc}))
    return error{errc::corrupt, "record header does not match the index"};
  std::string data(entry->length, '\0');
  if (auto st = seg->second.read_exact(entry->offset + sizeof(head), data.data(), data.size()); !st)
    return st.err();
  if (uint32_t crc = crc32c(data.data(), data.size()); crc != entry->crc)
    return error{errc::corrupt, "crc32c mismatch: indexed " + std::to_string(entry->crc) +
                                    ", computed " + std::to_string(crc)};
  return chunk_data{entry->crc, std::move(data)};
}

result<chunk_receipt> disk_chunk_store::describe(const chunk_key& key) {
  auto entry = index_.get(key);
  if (!entry) return entry.err();
  return chunk_receipt{entry->crc, entry->length};
}

result<std::vector<stored_chunk_info>> disk_chunk_store::scan(const chunk_key& after,
                                                              size_t limit) {
  return index_.list_after(after, limit);
}

chunk_store_stats disk_chunk_store::stats() {
  return chunk_store_stats{chunks_, bytes_, free_bytes()};
}

}  // namespace cairn
