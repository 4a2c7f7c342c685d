// disk_chunk_store against real files in a temp dir.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <string>

#include "actors/storage_node/disk_chunk_store.hpp"
#include "runtime/crc32c.hpp"
#include "storage_test_dir.hpp"

using namespace cairn;

namespace {

std::unique_ptr<disk_chunk_store> open_store(const std::string& dir, uint64_t capacity = 0,
                                             uint64_t segment_bytes_max = uint64_t{1} << 30) {
  disk_chunk_store_options opt;
  opt.data_dir = dir;
  opt.capacity_bytes = capacity;
  opt.segment_bytes_max = segment_bytes_max;
  opt.index_map_bytes = uint64_t{64} << 20;
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
  REQUIRE(store->commit().ok());

  auto got = store->get({7, 0});
  REQUIRE(got.ok());
  CHECK(got->bytes == a);
  CHECK(got->crc == put_a->crc);
  CHECK(store->stats().chunks == 2);
  CHECK(store->stats().bytes == 4096 + 100);

  store->remove({7, 0});
  store->remove({7, 0});
  store->remove({9, 9});
  auto removed = store->commit();
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
  REQUIRE(store->commit().ok());
  REQUIRE(store->append({1, 2}, "second").ok());
  REQUIRE(store->commit().ok());
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
  REQUIRE(store->commit().ok());
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
    REQUIRE(store->commit().ok());
    REQUIRE(store->append({10, 1}, pattern(3000, 'u')).ok());
    // Destroyed without commit: the staged bytes reached the file, never the index.
  }
  CHECK(std::filesystem::file_size(segment0(dir.path())) ==
        2 * segment_record_header_bytes + 5000 + 3000);
  {
    auto store = open_store(dir.path());
    CHECK(std::filesystem::file_size(segment0(dir.path())) == segment_record_header_bytes + 5000);
    CHECK(store->get({10, 0})->bytes == kept);
    CHECK(store->get({10, 1}).code() == errc::not_found);
    CHECK(store->stats().chunks == 1);
    REQUIRE(store->append({10, 2}, "after restart").ok());
    REQUIRE(store->commit().ok());
  }
  auto store = open_store(dir.path());
  CHECK(store->get({10, 0})->bytes == kept);
  CHECK(store->get({10, 2})->bytes == "after restart");
  CHECK(store->stats().chunks == 2);
}

TEST_CASE("storage: a put beyond the capacity is refused with no_space and nothing is indexed") {
  test::temp_dir dir;
  auto store = open_store(dir.path(), 10000);
  auto chunk = pattern(4096, 'c');
  REQUIRE(store->append({5, 0}, chunk).ok());
  REQUIRE(store->append({5, 1}, chunk).ok());
  auto third = store->append({5, 2}, chunk);
  CHECK(third.code() == errc::no_space);
  // The refusal does not fail the batch: the first two commit.
  REQUIRE(store->commit().ok());
  CHECK(store->get({5, 1})->bytes == chunk);
  CHECK(store->get({5, 2}).code() == errc::not_found);
  CHECK(store->stats().chunks == 2);
  CHECK(store->stats().free_bytes == 10000 - 2 * (segment_record_header_bytes + 4096));
  CHECK(std::filesystem::file_size(segment0(dir.path())) == 2 * (segment_record_header_bytes + 4096));
}

TEST_CASE("storage: a failing write fails the whole batch and cuts the segment back") {
  test::temp_dir dir;
  auto store = open_store(dir.path());
  REQUIRE(store->append({6, 0}, pattern(1000, 'a')).ok());
  REQUIRE(store->commit().ok());
  uint64_t committed_size = segment_record_header_bytes + 1000;

  // A file size limit makes the segment's write fail part way (EFBIG) like a full disk.
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  rlimit small = old;
  small.rlim_cur = committed_size + 3000;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
  auto fits = store->append({6, 1}, pattern(1000, 'b'));
  auto fails = store->append({6, 2}, pattern(4000, 'c'));
  auto after = store->append({6, 3}, pattern(10, 'd'));
  auto committed = store->commit();
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &old) == 0);

  CHECK(fits.ok());
  CHECK(fails.code() == errc::io_error);
  CHECK(after.code() == errc::io_error);      // the batch stays failed
  CHECK(committed.code() == errc::io_error);  // and so does its commit
  CHECK(std::filesystem::file_size(segment0(dir.path())) == committed_size);
  CHECK(store->get({6, 1}).code() == errc::not_found);
  // The next batch works again.
  REQUIRE(store->append({6, 4}, "recovered").ok());
  REQUIRE(store->commit().ok());
  CHECK(store->get({6, 4})->bytes == "recovered");
  CHECK(store->get({6, 0})->bytes == pattern(1000, 'a'));
}

TEST_CASE("storage: segments roll over at segment_bytes_max and every chunk stays readable") {
  test::temp_dir dir;
  {
    auto store = open_store(dir.path(), 0, 10000);
    for (uint32_t i = 0; i < 6; ++i) REQUIRE(store->append({8, i}, pattern(4000, char('a' + i))).ok());
    REQUIRE(store->commit().ok());
    for (uint32_t i = 0; i < 6; ++i) CHECK(store->get({8, i})->bytes == pattern(4000, char('a' + i)));
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
