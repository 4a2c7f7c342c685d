// sim_disk and sim_chunk_store: the chunk_store contract on the simulated device, and
// the faults the simulation injects into it.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "runtime/crc32c.hpp"
#include "sim/sim_disk.hpp"

using namespace cairn;

namespace {

// The commit time of chunks whose time does not matter to a test.
constexpr int64_t t0 = 1000;

std::string pattern(size_t bytes, char seed) {
  std::string out(bytes, '\0');
  for (size_t i = 0; i < bytes; ++i) out[i] = static_cast<char>(seed + static_cast<char>(i * 7));
  return out;
}

std::string read_bytes(sim_chunk_store& store, const chunk_key& key) {
  auto got = store.get(key);
  REQUIRE_MESSAGE(got.ok(), (got.ok() ? "" : got.err().to_string()));
  return got->bytes;
}

}  // namespace

TEST_CASE("sim disk: a staged chunk is invisible until its batch commits") {
  auto disk = std::make_shared<sim_disk>(1 << 20);
  sim_chunk_store store(disk);
  auto a = pattern(4096, 'a');
  auto put = store.append({7, 0}, a);
  REQUIRE(put.ok());
  CHECK(put->crc == crc32c(a.data(), a.size()));
  CHECK(put->length == 4096);
  CHECK(store.get({7, 0}).code() == errc::not_found);
  CHECK(disk->chunk_count() == 0);
  CHECK(store.stats().chunks == 0);

  REQUIRE(store.commit(t0).ok());
  CHECK(read_bytes(store, {7, 0}) == a);
  CHECK(store.get({7, 0})->crc == put->crc);
  REQUIRE(disk->find({7, 0}) != nullptr);
  CHECK(disk->find({7, 0})->bytes == a);
  CHECK(disk->find({7, 0})->crc == put->crc);
  CHECK(store.stats().chunks == 1);
  CHECK(store.stats().bytes == 4096);
  CHECK(store.stats().free_bytes == (1 << 20) - 4096);
  CHECK(store.last_sync_latency_ms() == 0);
}

TEST_CASE("sim disk: a commit applies appends and removes in call order") {
  auto disk = std::make_shared<sim_disk>(1 << 20);
  sim_chunk_store store(disk);
  REQUIRE(store.append({1, 0}, "old").ok());
  REQUIRE(store.commit(t0).ok());

  store.remove({1, 0});                       // existed
  REQUIRE(store.append({1, 0}, "new").ok());  // put back after the removal
  store.remove({2, 0});                       // never stored
  REQUIRE(store.append({3, 0}, "three").ok());
  store.remove({3, 0});  // removes the append staged just before it
  auto committed = store.commit(t0);
  REQUIRE(committed.ok());
  CHECK(committed->existed == std::vector<bool>{true, false, true});
  CHECK(read_bytes(store, {1, 0}) == "new");
  CHECK(store.get({3, 0}).code() == errc::not_found);
  CHECK(disk->keys() == std::vector<chunk_key>{{1, 0}});
  CHECK(disk->used_bytes() == 3);

  // Replacing a key keeps one chunk and counts only the new bytes.
  REQUIRE(store.append({1, 0}, "longer").ok());
  REQUIRE(store.commit(t0).ok());
  CHECK(read_bytes(store, {1, 0}) == "longer");
  CHECK(store.stats().chunks == 1);
  CHECK(store.stats().bytes == 6);

  // An empty batch commits nothing.
  auto empty = store.commit(t0);
  REQUIRE(empty.ok());
  CHECK(empty->existed.empty());
}

TEST_CASE("sim disk: keys come back in ascending order") {
  auto disk = std::make_shared<sim_disk>(1 << 20);
  sim_chunk_store store(disk);
  REQUIRE(store.append({9, 1}, "c").ok());
  REQUIRE(store.append({2, 5}, "b").ok());
  REQUIRE(store.append({2, 0}, "a").ok());
  REQUIRE(store.commit(t0).ok());
  CHECK(disk->keys() == std::vector<chunk_key>{{2, 0}, {2, 5}, {9, 1}});
  CHECK(disk->find({4, 4}) == nullptr);
}

TEST_CASE("sim disk: a crash loses the staged batch and keeps committed chunks") {
  auto disk = std::make_shared<sim_disk>(1 << 20);
  {
    sim_chunk_store store(disk);
    REQUIRE(store.append({1, 0}, "acked").ok());
    REQUIRE(store.commit(t0).ok());
    REQUIRE(store.append({1, 1}, "staged").ok());
    store.remove({1, 0});
  }  // the host crashes: the store goes without commit()
  sim_chunk_store again(disk);
  CHECK(read_bytes(again, {1, 0}) == "acked");
  CHECK(again.get({1, 1}).code() == errc::not_found);
  CHECK(again.stats().chunks == 1);
  auto empty = again.commit(t0);
  REQUIRE(empty.ok());
  CHECK(empty->existed.empty());
}

TEST_CASE("sim disk: a flipped bit makes the chunk read as corrupt until it is rewritten") {
  auto disk = std::make_shared<sim_disk>(1 << 20);
  sim_chunk_store store(disk);
  auto a = pattern(100, 'x');
  REQUIRE(store.append({5, 0}, a).ok());
  REQUIRE(store.append({5, 1}, "").ok());
  REQUIRE(store.commit(t0).ok());
  uint32_t crc = disk->find({5, 0})->crc;

  CHECK_FALSE(disk->flip_bit({6, 0}, 3));  // absent
  CHECK_FALSE(disk->flip_bit({5, 1}, 3));  // empty: no bit to flip
  CHECK(disk->faults().bit_flips == 0);
  CHECK(disk->flip_bit({5, 0}, 8 * 100 + 9));  // taken modulo the chunk's bits: bit 9
  CHECK(disk->faults().bit_flips == 1);
  CHECK(disk->find({5, 0})->crc == crc);
  CHECK(disk->find({5, 0})->bytes[1] == static_cast<char>(a[1] ^ 2));
  CHECK(store.get({5, 0}).code() == errc::corrupt);
  CHECK(read_bytes(store, {5, 1}).empty());

  REQUIRE(store.append({5, 0}, a).ok());  // a repair's put
  REQUIRE(store.commit(t0).ok());
  CHECK(read_bytes(store, {5, 0}) == a);
}

TEST_CASE("sim disk: a wipe loses every chunk and keeps the fault settings") {
  auto disk = std::make_shared<sim_disk>(1 << 20);
  sim_chunk_store store(disk);
  REQUIRE(store.append({1, 0}, "one").ok());
  REQUIRE(store.append({1, 1}, "two").ok());
  REQUIRE(store.commit(t0).ok());
  disk->set_sync_latency_ms(5);
  disk->wipe();
  CHECK(disk->chunk_count() == 0);
  CHECK(disk->keys().empty());
  CHECK(disk->used_bytes() == 0);
  CHECK(disk->faults().wipes == 1);
  CHECK(disk->sync_latency_ms() == 5);
  sim_chunk_store after(disk);
  CHECK(after.get({1, 0}).code() == errc::not_found);
  CHECK(after.stats().chunks == 0);
  CHECK(after.stats().free_bytes == 1 << 20);
}

TEST_CASE("sim disk: a full disk refuses appends and fails a batch written into it") {
  auto disk = std::make_shared<sim_disk>(1 << 20);
  sim_chunk_store store(disk);
  REQUIRE(store.append({1, 0}, "kept").ok());
  REQUIRE(store.commit(t0).ok());

  disk->set_full(true);
  CHECK(store.append({1, 1}, "refused").code() == errc::no_space);
  CHECK(store.stats().free_bytes == 0);
  store.remove({1, 0});  // a batch of removes needs no room
  auto removed = store.commit(t0);
  REQUIRE(removed.ok());
  CHECK(removed->existed == std::vector<bool>{true});

  // Full between an append and its commit: the whole batch fails, nothing applied.
  disk->set_full(false);
  REQUIRE(store.append({2, 0}, "staged").ok());
  store.remove({3, 0});
  disk->set_full(true);
  CHECK(store.commit(t0).code() == errc::no_space);
  CHECK(disk->faults().full_refusals == 2);
  disk->set_full(false);
  CHECK(store.get({2, 0}).code() == errc::not_found);
  // The next batch starts clean.
  REQUIRE(store.append({2, 0}, "again").ok());
  REQUIRE(store.commit(t0).ok());
  CHECK(read_bytes(store, {2, 0}) == "again");
}

TEST_CASE("sim disk: a chunk past capacity is refused and the batch goes on") {
  auto disk = std::make_shared<sim_disk>(10000);
  sim_chunk_store store(disk);
  REQUIRE(store.append({1, 0}, pattern(4000, 'a')).ok());
  REQUIRE(store.append({1, 1}, pattern(4000, 'b')).ok());
  CHECK(store.stats().free_bytes == 2000);  // staged bytes count
  auto refused = store.append({1, 2}, pattern(4000, 'c'));
  CHECK(refused.code() == errc::no_space);
  REQUIRE(store.append({1, 3}, pattern(2000, 'd')).ok());  // exactly fits
  REQUIRE(store.commit(t0).ok());
  CHECK(disk->chunk_count() == 3);
  CHECK(store.get({1, 2}).code() == errc::not_found);
  CHECK(store.stats().free_bytes == 0);
  CHECK(store.append({1, 4}, "x").code() == errc::no_space);

  store.remove({1, 0});
  REQUIRE(store.commit(t0).ok());
  CHECK(store.stats().free_bytes == 4000);
  REQUIRE(store.append({1, 2}, pattern(4000, 'c')).ok());
  REQUIRE(store.commit(t0).ok());
}

TEST_CASE("sim disk: a commit reports the disk's sync latency") {
  auto disk = std::make_shared<sim_disk>(1 << 20);
  sim_chunk_store store(disk);
  disk->set_sync_latency_ms(250);
  REQUIRE(store.append({1, 0}, "slow").ok());
  REQUIRE(store.commit(t0).ok());
  CHECK(store.last_sync_latency_ms() == 250);
  CHECK(disk->faults().slow_syncs == 1);
  REQUIRE(store.commit(t0).ok());  // nothing to sync
  CHECK(store.last_sync_latency_ms() == 0);
  disk->set_sync_latency_ms(0);
  REQUIRE(store.append({1, 1}, "fast").ok());
  REQUIRE(store.commit(t0).ok());
  CHECK(store.last_sync_latency_ms() == 0);
  CHECK(disk->faults().slow_syncs == 1);
}

TEST_CASE("sim disk: scan lists committed chunks after a key, in key order, with commit times") {
  auto disk = std::make_shared<sim_disk>(1 << 20);
  sim_chunk_store store(disk);
  REQUIRE(store.append({9, 1}, "b").ok());
  REQUIRE(store.append({2, 7}, "a").ok());
  REQUIRE(store.commit(100).ok());
  REQUIRE(store.append({9, 0}, "c").ok());
  REQUIRE(store.append({2, 7}, "a again").ok());  // a rewrite takes the new time
  REQUIRE(store.commit(200).ok());
  REQUIRE(store.append({5, 5}, "staged").ok());  // not committed: not listed

  auto all = store.scan({}, 10);
  REQUIRE(all.ok());
  CHECK(*all == std::vector<stored_chunk_info>{{{2, 7}, 200}, {{9, 0}, 200}, {{9, 1}, 100}});
  auto after = store.scan({2, 7}, 1);
  REQUIRE(after.ok());
  CHECK(*after == std::vector<stored_chunk_info>{{{9, 0}, 200}});
  CHECK(store.scan({9, 1}, 10)->empty());
  CHECK(store.scan({3, 0}, 10)->size() == 2);
}
