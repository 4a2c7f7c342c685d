// disk_chunk_store against real files in a temp dir.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

#include <capnp/any.h>
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <lmdb.h>

#include "actors/storage_node/disk_chunk_store.hpp"
#include "runtime/crc32c.hpp"
#include "storage_test_dir.hpp"

using namespace cairn;

namespace {

// The commit time of chunks whose time does not matter to a test.
constexpr int64_t t0 = 1000;

std::unique_ptr<disk_chunk_store> open_store(const std::string& dir, uint64_t capacity = 0,
                                             uint64_t segment_bytes_max = uint64_t{1} << 30,
                                             uint64_t write_buffer_bytes_max = uint64_t{16} << 20) {
  disk_chunk_store_options opt;
  opt.data_dir = dir;
  opt.capacity_bytes = capacity;
  opt.segment_bytes_max = segment_bytes_max;
  opt.index_map_bytes = uint64_t{64} << 20;
  opt.write_buffer_bytes_max = write_buffer_bytes_max;
  auto store = disk_chunk_store::open(opt);
  REQUIRE_MESSAGE(store.ok(), (store.ok() ? "" : store.err().to_string()));
  return std::move(store.value());
}

std::string pattern(size_t bytes, char seed) {
  std::string out(bytes, '\0');
  for (size_t i = 0; i < bytes; ++i) out[i] = static_cast<char>(seed + static_cast<char>(i * 7));
  return out;
}

std::string segment0(const std::string& dir) { return dir + "/segments/00000000.seg"; }

constexpr uint64_t block = segment_block_bytes;

// Appends raw bytes at the end of a file, as a batch cut short by a crash leaves them.
void append_raw(const std::string& path, const std::string& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  ::close(fd);
}

}  // namespace

TEST_CASE("storage: a committed chunk reads back byte-identical and a deleted one is gone") {
  test::temp_dir dir;
  auto store = open_store(dir.path());
  auto a = pattern(4096, 'a');
  auto b = pattern(100, 'b');
  auto put_a = store->append({7, 0}, a);
  REQUIRE(put_a.ok());
  CHECK(put_a->crc == crc32c(a.data(), a.size()));
  CHECK(put_a->length == 4096);
  REQUIRE(store->append({7, 1}, b).ok());
  CHECK(store->get({7, 0}).code() == errc::not_found);  // staged is not readable
  REQUIRE(store->commit(t0).ok());

  auto got = store->get({7, 0});
  REQUIRE(got.ok());
  CHECK(got->bytes == a);
  CHECK(got->crc == put_a->crc);
  CHECK(store->stats().chunks == 2);
  CHECK(store->stats().bytes == 4096 + 100);

  store->remove({7, 0});
  store->remove({7, 0});
  store->remove({9, 9});
  auto removed = store->commit(t0);
  REQUIRE(removed.ok());
  CHECK(removed->existed == std::vector<bool>{true, false, false});
  CHECK(store->get({7, 0}).code() == errc::not_found);
  CHECK(store->get({7, 1})->bytes == b);
  CHECK(store->stats().chunks == 1);
  CHECK(store->stats().bytes == 100);
}

TEST_CASE("storage: a put for an existing key replaces its bytes") {
  test::temp_dir dir;
  auto store = open_store(dir.path());
  REQUIRE(store->append({1, 2}, "first version").ok());
  REQUIRE(store->commit(t0).ok());
  REQUIRE(store->append({1, 2}, "second").ok());
  REQUIRE(store->commit(t0).ok());
  CHECK(store->get({1, 2})->bytes == "second");
  CHECK(store->stats().chunks == 1);
  CHECK(store->stats().bytes == 6);
}

TEST_CASE("storage: a byte flipped in a segment file is reported as corrupt on read") {
  test::temp_dir dir;
  auto store = open_store(dir.path());
  auto a = pattern(4096, 'x');
  REQUIRE(store->append({3, 0}, a).ok());
  REQUIRE(store->append({3, 1}, a).ok());
  REQUIRE(store->commit(t0).ok());
  // The first record's payload starts after its header at offset 0.
  int fd = ::open(segment0(dir.path()).c_str(), O_RDWR);
  REQUIRE(fd >= 0);
  char byte = 0;
  REQUIRE(::pread(fd, &byte, 1, segment_record_header_bytes + 1000) == 1);
  byte = static_cast<char>(byte ^ 0x01);
  REQUIRE(::pwrite(fd, &byte, 1, segment_record_header_bytes + 1000) == 1);
  ::close(fd);

  auto bad = store->get({3, 0});
  CHECK(bad.code() == errc::corrupt);
  CHECK(store->get({3, 1})->bytes == a);  // its neighbour is untouched
}

TEST_CASE("storage: after a crash an uncommitted chunk is absent and committed ones are intact") {
  test::temp_dir dir;
  auto kept = pattern(5000, 'k');
  {
    auto store = open_store(dir.path());
    REQUIRE(store->append({10, 0}, kept).ok());
    REQUIRE(store->commit(t0).ok());
    REQUIRE(store->append({10, 1}, pattern(3000, 'u')).ok());
    // Destroyed without commit: the staged record never reached the file.
  }
  CHECK(std::filesystem::file_size(segment0(dir.path())) == 2 * block);
  // A crash while a batch was being written leaves a tail nothing points at: here a
  // whole record and a torn block.
  char head[segment_record_header_bytes];
  auto lost = pattern(3000, 'u');
  encode_record_header({{10, 1}, 3000, crc32c(lost.data(), lost.size())}, head);
  append_raw(segment0(dir.path()), std::string(head, sizeof(head)) + lost + pattern(777, 'z'));
  {
    auto store = open_store(dir.path());
    CHECK(std::filesystem::file_size(segment0(dir.path())) == 2 * block);
    CHECK(store->get({10, 0})->bytes == kept);
    CHECK(store->get({10, 1}).code() == errc::not_found);
    CHECK(store->stats().chunks == 1);
    REQUIRE(store->append({10, 2}, "after restart").ok());
    REQUIRE(store->commit(t0).ok());
  }
  auto store = open_store(dir.path());
  CHECK(store->get({10, 0})->bytes == kept);
  CHECK(store->get({10, 2})->bytes == "after restart");
  CHECK(store->stats().chunks == 2);
}

TEST_CASE("storage: a batch is packed back to back and padded once, up to a 4 KiB boundary") {
  test::temp_dir dir;
  auto store = open_store(dir.path());
  REQUIRE(store->append({11, 0}, pattern(100, 'a')).ok());
  REQUIRE(store->append({11, 1}, pattern(200, 'b')).ok());
  REQUIRE(store->commit(t0).ok());
  CHECK(std::filesystem::file_size(segment0(dir.path())) == block);
  REQUIRE(store->append({11, 2}, pattern(50, 'c')).ok());
  REQUIRE(store->commit(t0).ok());
  CHECK(std::filesystem::file_size(segment0(dir.path())) == 2 * block);

  int fd = ::open(segment0(dir.path()).c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  std::string file(2 * block, '\0');
  REQUIRE(::pread(fd, file.data(), file.size(), 0) == static_cast<ssize_t>(file.size()));
  ::close(fd);
  // The second record follows the first with no gap; the next batch starts at 4096.
  auto second = decode_record_header(file.data() + segment_record_header_bytes + 100);
  REQUIRE(second.ok());
  CHECK(second->key == chunk_key{11, 1});
  auto third = decode_record_header(file.data() + block);
  REQUIRE(third.ok());
  CHECK(third->key == chunk_key{11, 2});
  size_t batch_end = 2 * segment_record_header_bytes + 300;
  CHECK(file.substr(batch_end, block - batch_end) == std::string(block - batch_end, '\0'));
}

TEST_CASE("storage: odd-sized records over several batches read back after reopen") {
  test::temp_dir dir;
  const std::vector<size_t> sizes = {
      1, 4095, 4097, 70000, 0, 4096 - segment_record_header_bytes, 123457, 3, 8192};
  auto chunk_of = [&](size_t i) { return pattern(sizes[i], static_cast<char>('A' + i)); };
  {
    // A write buffer of two blocks: large records also go out in several writes.
    auto store = open_store(dir.path(), 0, uint64_t{1} << 30, 2 * block);
    for (size_t i = 0; i < sizes.size(); ++i) {
      REQUIRE(store->append({12, static_cast<uint32_t>(i)}, chunk_of(i)).ok());
      if (i % 3 != 1) REQUIRE(store->commit(t0).ok());  // batches of one and of two records
    }
    REQUIRE(store->commit(t0).ok());
    CHECK(std::filesystem::file_size(segment0(dir.path())) % block == 0);
    for (size_t i = 0; i < sizes.size(); ++i)
      CHECK(store->get({12, static_cast<uint32_t>(i)})->bytes == chunk_of(i));
  }
  auto store = open_store(dir.path());
  CHECK(store->stats().chunks == sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) {
    auto got = store->get({12, static_cast<uint32_t>(i)});
    REQUIRE_MESSAGE(got.ok(), "record " << i);
    CHECK(got->bytes == chunk_of(i));
  }
  // Appending after the reopen continues at the aligned end.
  REQUIRE(store->append({12, 100}, pattern(10, 'q')).ok());
  REQUIRE(store->commit(t0).ok());
  CHECK(store->get({12, 100})->bytes == pattern(10, 'q'));
  CHECK(store->get({12, 3})->bytes == chunk_of(3));
}

TEST_CASE("storage: a segment written without padding is extended to a block boundary on open") {
  test::temp_dir dir;
  auto old = pattern(1000, 'o');
  {
    auto store = open_store(dir.path());
    REQUIRE(store->append({13, 0}, old).ok());
    REQUIRE(store->commit(t0).ok());
  }
  // The layout before padding: the segment ends right after its last record.
  std::filesystem::resize_file(segment0(dir.path()), segment_record_header_bytes + 1000);
  auto store = open_store(dir.path());
  CHECK(std::filesystem::file_size(segment0(dir.path())) == block);
  REQUIRE(store->append({13, 1}, "new").ok());
  REQUIRE(store->commit(t0).ok());
  CHECK(store->get({13, 0})->bytes == old);
  CHECK(store->get({13, 1})->bytes == "new");
}

TEST_CASE("storage: a put beyond the capacity is refused with no_space and nothing is indexed") {
  test::temp_dir dir;
  // Two records of 4120 bytes take 12288 once padded; a third would need 16384.
  auto store = open_store(dir.path(), 14000);
  auto chunk = pattern(4096, 'c');
  REQUIRE(store->append({5, 0}, chunk).ok());
  REQUIRE(store->append({5, 1}, chunk).ok());
  auto third = store->append({5, 2}, chunk);
  CHECK(third.code() == errc::no_space);
  // The refusal does not fail the batch: the first two commit.
  REQUIRE(store->commit(t0).ok());
  CHECK(store->get({5, 1})->bytes == chunk);
  CHECK(store->get({5, 2}).code() == errc::not_found);
  CHECK(store->stats().chunks == 2);
  CHECK(store->stats().free_bytes == 14000 - 3 * block);
  CHECK(std::filesystem::file_size(segment0(dir.path())) == 3 * block);
}

namespace {

// A file size limit makes segment writes past `bytes` fail (EFBIG) like a full disk.
// The limit is block-aligned so a direct write is cut short at a block boundary.
class file_size_limit {
 public:
  explicit file_size_limit(uint64_t bytes) {
    std::signal(SIGXFSZ, SIG_IGN);
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old_) == 0);
    rlimit small = old_;
    small.rlim_cur = bytes;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
  }
  ~file_size_limit() { ::setrlimit(RLIMIT_FSIZE, &old_); }
  file_size_limit(const file_size_limit&) = delete;
  file_size_limit& operator=(const file_size_limit&) = delete;

 private:
  rlimit old_{};
};

}  // namespace

TEST_CASE("storage: a write failing mid-batch fails the whole batch and cuts the segment back") {
  test::temp_dir dir;
  // A write buffer of two blocks: a batch larger than that is written before commit.
  auto store = open_store(dir.path(), 0, uint64_t{1} << 30, 2 * block);
  REQUIRE(store->append({6, 0}, pattern(1000, 'a')).ok());
  REQUIRE(store->commit(t0).ok());
  uint64_t committed_size = block;
  REQUIRE(std::filesystem::file_size(segment0(dir.path())) == committed_size);

  result<chunk_receipt> fits = chunk_receipt{};
  result<chunk_receipt> fails = fits;
  result<chunk_receipt> after = fits;
  result<batch_receipt> committed = batch_receipt{};
  {
    file_size_limit limit(committed_size + block);
    fits = store->append({6, 1}, pattern(1000, 'b'));    // packed, not written
    fails = store->append({6, 2}, pattern(10000, 'c'));  // fills the buffer: written
    after = store->append({6, 3}, pattern(10, 'd'));
    committed = store->commit(t0);
  }
  CHECK(fits.ok());
  CHECK(fails.code() == errc::io_error);
  CHECK(after.code() == errc::io_error);      // the batch stays failed
  CHECK(committed.code() == errc::io_error);  // and so does its commit
  CHECK(std::filesystem::file_size(segment0(dir.path())) == committed_size);
  CHECK(store->get({6, 1}).code() == errc::not_found);
  // The next batch works again.
  REQUIRE(store->append({6, 4}, "recovered").ok());
  REQUIRE(store->commit(t0).ok());
  CHECK(store->get({6, 4})->bytes == "recovered");
  CHECK(store->get({6, 0})->bytes == pattern(1000, 'a'));
}

TEST_CASE("storage: a write failing at commit fails the batch and the next batch starts clean") {
  test::temp_dir dir;
  auto store = open_store(dir.path());
  REQUIRE(store->append({6, 0}, pattern(1000, 'a')).ok());
  REQUIRE(store->commit(t0).ok());
  uint64_t committed_size = block;

  result<batch_receipt> committed = batch_receipt{};
  {
    file_size_limit limit(committed_size + block);
    REQUIRE(store->append({6, 1}, pattern(1000, 'b')).ok());
    REQUIRE(store->append({6, 2}, pattern(6000, 'c')).ok());  // the batch needs two blocks
    committed = store->commit(t0);
  }
  CHECK(committed.code() == errc::io_error);
  CHECK(std::filesystem::file_size(segment0(dir.path())) == committed_size);
  CHECK(store->get({6, 1}).code() == errc::not_found);
  CHECK(store->get({6, 2}).code() == errc::not_found);
  REQUIRE(store->append({6, 3}, pattern(5000, 'd')).ok());
  REQUIRE(store->commit(t0).ok());
  CHECK(store->get({6, 3})->bytes == pattern(5000, 'd'));
  CHECK(store->get({6, 0})->bytes == pattern(1000, 'a'));
  CHECK(store->stats().chunks == 2);
}

TEST_CASE("storage: segments roll over at segment_bytes_max and every chunk stays readable") {
  test::temp_dir dir;
  {
    auto store = open_store(dir.path(), 0, 10000);
    for (uint32_t i = 0; i < 6; ++i)
      REQUIRE(store->append({8, i}, pattern(4000, char('a' + i))).ok());
    REQUIRE(store->commit(t0).ok());
    for (uint32_t i = 0; i < 6; ++i)
      CHECK(store->get({8, i})->bytes == pattern(4000, char('a' + i)));
  }
  CHECK(std::filesystem::exists(dir.path() + "/segments/00000002.seg"));
  auto store = open_store(dir.path(), 0, 10000);
  for (uint32_t i = 0; i < 6; ++i) CHECK(store->get({8, i})->bytes == pattern(4000, char('a' + i)));
  CHECK(store->stats().chunks == 6);
}

TEST_CASE("storage: opening a data dir that cannot be created fails with a clear error") {
  disk_chunk_store_options opt;
  opt.data_dir = "/proc/cairn-cannot-exist/node";
  auto store = disk_chunk_store::open(opt);
  REQUIRE_FALSE(store.ok());
  CHECK(store.code() == errc::io_error);
  CHECK(store.err().message.find("/proc/cairn-cannot-exist") != std::string::npos);
}

TEST_CASE("storage: scan lists committed chunks after a key, in key order, with commit times") {
  test::temp_dir dir;
  {
    auto store = open_store(dir.path());
    REQUIRE(store->append({9, 1}, "b").ok());
    REQUIRE(store->append({2, 7}, "a").ok());
    REQUIRE(store->append({uint64_t{1} << 40, 0}, "big id").ok());  // sorts by number
    REQUIRE(store->commit(100).ok());
    REQUIRE(store->append({9, 0}, "c").ok());
    REQUIRE(store->append({2, 7}, "a again").ok());  // a rewrite takes the new time
    REQUIRE(store->commit(200).ok());
    REQUIRE(store->append({5, 5}, "staged").ok());  // not committed: not listed
    auto all = store->scan({}, 10);
    REQUIRE(all.ok());
    CHECK(*all == std::vector<stored_chunk_info>{
                      {{2, 7}, 200}, {{9, 0}, 200}, {{9, 1}, 100}, {{uint64_t{1} << 40, 0}, 100}});
  }
  auto store = open_store(dir.path());  // times survive a reopen
  auto page = store->scan({2, 7}, 2);
  REQUIRE(page.ok());
  CHECK(*page == std::vector<stored_chunk_info>{{{9, 0}, 200}, {{9, 1}, 100}});
  CHECK(store->scan({3, 0}, 1)->front().key == chunk_key{9, 0});
  CHECK(store->scan({uint64_t{1} << 40, 0}, 10)->empty());
  store->remove({9, 0});
  REQUIRE(store->commit(300).ok());
  CHECK(store->scan({2, 7}, 1)->front().key == chunk_key{9, 1});
}

namespace {

// Writes an index record in the layout from before commit times: a ChunkIndexRecord of
// three data words (segment, length | offset | crc) and no commitMs.
void put_old_index_record(const std::string& index_dir, const chunk_key& key, uint32_t segment,
                          uint64_t offset, uint32_t length, uint32_t crc) {
  capnp::MallocMessageBuilder message;
  auto root = message.getRoot<capnp::AnyPointer>().initAsAnyStruct(3, 0);
  auto data = root.getDataSection();
  auto put = [&](size_t at, uint64_t v, size_t bytes) {
    for (size_t i = 0; i < bytes; ++i) data[at + i] = static_cast<capnp::byte>(v >> (8 * i));
  };
  put(0, segment, 4);
  put(4, length, 4);
  put(8, offset, 8);
  put(16, crc, 4);
  auto words = capnp::messageToFlatArray(message);
  auto bytes = words.asBytes();

  unsigned char k[12];
  for (int i = 0; i < 8; ++i) k[i] = static_cast<unsigned char>(key.file >> (56 - 8 * i));
  for (int i = 0; i < 4; ++i) k[8 + i] = static_cast<unsigned char>(key.index >> (24 - 8 * i));
  MDB_env* env = nullptr;
  REQUIRE(mdb_env_create(&env) == 0);
  REQUIRE(mdb_env_set_mapsize(env, uint64_t{64} << 20) == 0);
  REQUIRE(mdb_env_open(env, index_dir.c_str(), MDB_NOTLS, 0644) == 0);
  MDB_txn* txn = nullptr;
  REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
  MDB_dbi dbi = 0;
  REQUIRE(mdb_dbi_open(txn, nullptr, 0, &dbi) == 0);
  MDB_val kv{sizeof(k), k};
  MDB_val v{bytes.size(), const_cast<capnp::byte*>(bytes.begin())};
  REQUIRE(mdb_put(txn, dbi, &kv, &v, 0) == 0);
  REQUIRE(mdb_txn_commit(txn) == 0);
  mdb_env_close(env);
}

}  // namespace

TEST_CASE("storage: an index record from before commit times reads back with time 0") {
  test::temp_dir dir;
  auto bytes = pattern(3000, 'o');
  {
    auto store = open_store(dir.path());
    REQUIRE(store->append({14, 0}, bytes).ok());
    REQUIRE(store->append({14, 1}, "new").ok());
    REQUIRE(store->commit(5000).ok());
  }
  // {14, 0}'s record is at the start of segment 0; rewrite its index entry the old way.
  put_old_index_record(dir.path() + "/index", {14, 0}, 0, 0, 3000,
                       crc32c(bytes.data(), bytes.size()));
  auto store = open_store(dir.path());
  auto page = store->scan({}, 10);
  REQUIRE(page.ok());
  CHECK(*page == std::vector<stored_chunk_info>{{{14, 0}, 0}, {{14, 1}, 5000}});
  CHECK(store->get({14, 0})->bytes == bytes);  // the rest of the old record still reads
  CHECK(store->stats().chunks == 2);
}
