// The meta shard actor in a real actor system: frames in, frames out, group commit,
// malformed input, gc reaching a (fake) storage node, pending expiry, remote inode drops
// between two shards and chunkCheck.
#include <doctest/doctest.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <set>
#include <thread>

#include "actors/meta_shard/meta_shard_actor.hpp"
#include "cairn/schema/meta.capnp.h"
#include "cairn/schema/storage.capnp.h"
#include "runtime/envelope.hpp"
#include "runtime/net/atoms.hpp"
#include "runtime/net/registry.hpp"

using namespace cairn;

namespace {

constexpr auto reply_timeout = std::chrono::seconds(30);

std::string temp_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "cairn-meta-actor-XXXXXX").string();
  REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
  return tmpl;
}

envelope_header request_header(wire::MessageKind kind, uint64_t correlation) {
  envelope_header h;
  h.source = {client_host, "test"};
  h.destination = {1, meta_actor_name(0)};
  h.correlation_id = correlation;
  h.trace_id = 0xABC000 + correlation;
  h.kind = kind;
  return h;
}

std::string file_create(const std::string& name, uint64_t size, uint64_t corr) {
  envelope_builder b(request_header(wire::MessageKind::FILE_CREATE_REQUEST, corr));
  auto p = b.init_payload<wire::FileCreateRequest>();
  p.setParentId(root_dir_id);
  p.setName(name);
  p.setSize(size);
  return b.finish();
}

std::string lookup(const std::string& name) {
  envelope_builder b(request_header(wire::MessageKind::LOOKUP_REQUEST, 1));
  auto p = b.init_payload<wire::LookupRequest>();
  p.setParentId(root_dir_id);
  p.initNames(1).set(0, name);
  return b.finish();
}

std::string unlink_frame(const std::string& name) {
  envelope_builder b(request_header(wire::MessageKind::UNLINK_REQUEST, 1));
  auto p = b.init_payload<wire::UnlinkRequest>();
  p.setParentId(root_dir_id);
  p.setName(name);
  return b.finish();
}

std::string inode_get(inode_id file, shard_id shard = 0) {
  auto h = request_header(wire::MessageKind::INODE_GET_REQUEST, 1);
  h.destination = {1, meta_actor_name(shard)};
  envelope_builder b(h);
  b.init_payload<wire::InodeGetRequest>().setFileId(file);
  return b.finish();
}

std::string shard_stats() {
  envelope_builder b(request_header(wire::MessageKind::SHARD_STATS_REQUEST, 1));
  b.init_payload<wire::ShardStatsRequest>();
  return b.finish();
}

// Commits every chunk of a create reply with all its targets as replicas.
std::string commit_all(const envelope_reader& created, uint64_t size, uint64_t corr) {
  auto c = created.payload<wire::FileCreateReply>();
  envelope_builder b(request_header(wire::MessageKind::FILE_COMMIT_REQUEST, corr));
  auto p = b.init_payload<wire::FileCommitRequest>();
  p.setFileId(c.getFileId());
  auto chunks = p.initChunks(c.getChunks().size());
  for (unsigned i = 0; i < c.getChunks().size(); ++i) {
    auto placement = c.getChunks()[i];
    uint64_t start = uint64_t{placement.getIndex()} * c.getChunkSize();
    chunks[i].setIndex(placement.getIndex());
    chunks[i].setLength(static_cast<uint32_t>(std::min<uint64_t>(c.getChunkSize(), size - start)));
    chunks[i].setCrc(42);
    chunks[i].setReplicas(placement.getTargets());
  }
  return b.finish();
}

std::unique_ptr<envelope_reader> open_reply(const std::string& frame) {
  auto r = envelope_reader::open(frame);
  REQUIRE(r.ok());
  return std::move(r.value());
}

struct actor_fixture {
  registry reg;  // outlives the actor system: actors leave it as they exit
  std::string dir = temp_dir();
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::actor meta;
  std::vector<caf::actor> others;

  using tweak = std::function<void(meta_shard_options&)>;

  explicit actor_fixture(bool sync = true, const tweak& adjust = {}) {
    cfg.load<caf::io::middleman>();
    sys = std::make_unique<caf::actor_system>(cfg);
    auto opt = options(0, sync);
    if (adjust) adjust(opt);
    meta = spawn(opt);
  }

  meta_shard_options options(shard_id shard, bool sync = true) const {
    meta_shard_options opt;
    opt.shard = shard;
    opt.host = 1;
    opt.data_dir = dir;
    opt.chunk_size = 1024;
    opt.group_commit_max = 64;
    opt.sync = sync;
    for (host_id h = 1; h <= 3; ++h)
      opt.storage_hosts.push_back({h, {"r", "d", "c", "rack" + std::to_string(h), ""}, true});
    return opt;
  }

  caf::actor spawn(const meta_shard_options& opt) {
    auto spawned = spawn_meta_shard(*sys, reg, opt);
    REQUIRE(spawned.ok());
    return spawned.value();
  }
  ~actor_fixture() {
    caf::anon_send_exit(meta, caf::exit_reason::user_shutdown);
    for (auto& a : others) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    // A detached actor's thread waits until its last handle is gone.
    meta = nullptr;
    others.clear();
    for (auto& a : reg.addresses()) reg.erase(a);
    sys.reset();
    std::filesystem::remove_all(dir);
  }

  // Sends one frame and waits for the reply frame (or the CAF error).
  result<std::string> call(const std::string& frame) { return call(meta, frame); }
  result<std::string> call(const caf::actor& to, const std::string& frame) {
    caf::scoped_actor self{*sys};
    result<std::string> out = error{errc::timeout, "no reply"};
    self->request(to, reply_timeout, envelope_atom::value, frame)
        .receive([&](std::string& reply) { out = std::move(reply); },
                 [&](caf::error& err) {
                   out = error{errc::internal, sys->render(err)};
                 });
    return out;
  }
};

}  // namespace

TEST_CASE("many concurrent creates and commits are all answered and are then visible") {
  actor_fixture f;
  constexpr int files = 200;
  caf::scoped_actor self{*f.sys};
  // All creates in flight at once, then all commits: the actor folds them into batches.
  std::vector<std::string> creates(files);
  for (int i = 0; i < files; ++i)
    self->send(f.meta, envelope_atom::value, file_create("f" + std::to_string(i), 3000, i));
  std::vector<std::unique_ptr<envelope_reader>> created(files);
  for (int i = 0; i < files; ++i)
    self->receive(
        [&](std::string& frame) {
          auto r = open_reply(frame);
          REQUIRE(r->kind() == wire::MessageKind::FILE_CREATE_REPLY);
          created[r->header().correlation_id] = std::move(r);
        },
        caf::after(reply_timeout) >> [] { FAIL("no create reply"); });
  std::set<uint64_t> ids;
  for (int i = 0; i < files; ++i) {
    REQUIRE(created[i] != nullptr);
    auto c = created[i]->payload<wire::FileCreateReply>();
    CHECK(c.getChunks().size() == 3);
    ids.insert(c.getFileId());
    self->send(f.meta, envelope_atom::value, commit_all(*created[i], 3000, i));
  }
  CHECK(ids.size() == files);
  int committed = 0;
  for (int i = 0; i < files; ++i)
    self->receive(
        [&](std::string& frame) {
          auto r = open_reply(frame);
          if (r->kind() == wire::MessageKind::ERROR_REPLY)
            FAIL_CHECK(read_error_reply(*r).to_string());
          committed += r->kind() == wire::MessageKind::FILE_COMMIT_REPLY;
        },
        caf::after(reply_timeout) >> [] { FAIL("no commit reply"); });
  CHECK(committed == files);
  auto found = f.call(lookup("f17"));
  REQUIRE(found.ok());
  auto r = open_reply(*found);
  REQUIRE(r->kind() == wire::MessageKind::LOOKUP_REPLY);
  auto entries = r->payload<wire::LookupReply>().getEntries();
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].getSize() == 3000);
  CHECK(ids.count(entries[0].getId()) == 1);
  auto stats = open_reply(f.call(shard_stats()).value());
  CHECK(stats->payload<wire::ShardStatsReply>().getStats().getFiles() == files);
}

TEST_CASE("a fileCreate answered before its batch is durable can be committed at once") {
  for (bool sync : {true, false}) {
    CAPTURE(sync);
    actor_fixture f(sync);
    constexpr int files = 40;
    std::set<uint64_t> ids;
    for (int i = 0; i < files; ++i) {
      auto name = "early" + std::to_string(i);
      auto created = open_reply(f.call(file_create(name, 1500, 2 * i)).value());
      REQUIRE(created->kind() == wire::MessageKind::FILE_CREATE_REPLY);
      CHECK(ids.insert(created->payload<wire::FileCreateReply>().getFileId()).second);
      auto committed = open_reply(f.call(commit_all(*created, 1500, 2 * i + 1)).value());
      if (committed->kind() == wire::MessageKind::ERROR_REPLY)
        FAIL_CHECK(read_error_reply(*committed).to_string());
      CHECK(committed->kind() == wire::MessageKind::FILE_COMMIT_REPLY);
      auto found = open_reply(f.call(lookup(name)).value());
      REQUIRE(found->kind() == wire::MessageKind::LOOKUP_REPLY);
      CHECK(found->payload<wire::LookupReply>().getEntries()[0].getSize() == 1500);
    }
    auto stats = open_reply(f.call(shard_stats()).value());
    CHECK(stats->payload<wire::ShardStatsReply>().getStats().getFiles() == files);
    CHECK(stats->payload<wire::ShardStatsReply>().getStats().getPendingFiles() == 0);
  }
}

TEST_CASE("garbage, an unknown kind and a malformed payload get errors and the shard lives on") {
  actor_fixture f;
  auto garbage = f.call(std::string(64, 'x'));
  CHECK_FALSE(garbage.ok());
  envelope_builder wrong_kind(request_header(wire::MessageKind::CHUNK_PUT_REQUEST, 2));
  wrong_kind.init_payload<wire::ChunkPutRequest>();
  auto unknown = open_reply(f.call(wrong_kind.finish()).value());
  REQUIRE(unknown->kind() == wire::MessageKind::ERROR_REPLY);
  CHECK(read_error_reply(*unknown).code == errc::invalid_argument);
  // A lookup whose payload pointer is a list, not a struct: reading it throws in capnp.
  envelope_builder bad(request_header(wire::MessageKind::LOOKUP_REQUEST, 3));
  bad.message().getRoot<wire::Envelope>().getPayload().initAs<capnp::List<uint64_t>>(4);
  auto corrupt = open_reply(f.call(bad.finish()).value());
  REQUIRE(corrupt->kind() == wire::MessageKind::ERROR_REPLY);
  CHECK(read_error_reply(*corrupt).code == errc::corrupt);
  CHECK(corrupt->header().correlation_id == 3);
  auto missing = open_reply(f.call(lookup("nothing")).value());
  REQUIRE(missing->kind() == wire::MessageKind::ERROR_REPLY);
  CHECK(read_error_reply(*missing).code == errc::not_found);
}

TEST_CASE("unlinking a file sends chunk deletions to its storage nodes until gc is empty") {
  actor_fixture f;
  caf::scoped_actor self{*f.sys};
  caf::actor probe = caf::actor_cast<caf::actor>(self);
  // A fake storage node on each host: answers every deletion and tells the probe.
  for (host_id h = 1; h <= 3; ++h) {
    auto fake = f.sys->spawn([probe, h](caf::event_based_actor*) -> caf::behavior {
      return {[probe, h](envelope_atom, std::string& frame) -> std::string {
        auto env = envelope_reader::open(frame).value();
        auto req = env->payload<wire::ChunkDeleteRequest>();
        caf::anon_send(probe, h, req.getFileId(), req.getIndex());
        envelope_builder b(reply_header(env->header(), wire::MessageKind::CHUNK_DELETE_REPLY));
        b.init_payload<wire::ChunkDeleteReply>().setExisted(true);
        return b.finish();
      }};
    });
    f.reg.put({h, storage_actor_name}, fake);
    f.others.push_back(fake);
  }
  auto created = open_reply(f.call(file_create("doomed", 2048, 1)).value());
  REQUIRE(created->kind() == wire::MessageKind::FILE_CREATE_REPLY);
  auto file_id = created->payload<wire::FileCreateReply>().getFileId();
  REQUIRE(open_reply(f.call(commit_all(*created, 2048, 2)).value())->kind() ==
          wire::MessageKind::FILE_COMMIT_REPLY);
  auto gone = open_reply(f.call(unlink_frame("doomed")).value());
  REQUIRE(gone->kind() == wire::MessageKind::UNLINK_REPLY);
  CHECK(gone->payload<wire::UnlinkReply>().getInodeDropped());
  std::set<std::pair<host_id, uint32_t>> deleted;
  for (int i = 0; i < 6; ++i)  // 2 chunks x 3 replicas
    self->receive(
        [&](host_id h, uint64_t file, uint32_t index) {
          CHECK(file == file_id);
          deleted.insert({h, index});
        },
        caf::after(reply_timeout) >> [] { FAIL("no chunk deletion arrived"); });
  CHECK(deleted.size() == 6);
  // The queue empties once the confirmations commit; each stats read is a round trip.
  uint64_t pending = 1;
  for (int tries = 0; tries < 100000 && pending != 0; ++tries) {
    auto stats = open_reply(f.call(shard_stats()).value());
    pending = stats->payload<wire::ShardStatsReply>().getStats().getGcPending();
  }
  CHECK(pending == 0);
}

namespace {

// Asks `to` for the inode until it is gone (each ask is a round trip); false if it stays.
bool wait_until_dropped(actor_fixture& f, const caf::actor& to, inode_id file, shard_id shard) {
  for (int tries = 0; tries < 20000; ++tries) {
    auto r = open_reply(f.call(to, inode_get(file, shard)).value());
    if (r->kind() == wire::MessageKind::ERROR_REPLY && read_error_reply(*r).code == errc::not_found)
      return true;
    if (tries % 100 == 99) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

}  // namespace

TEST_CASE("a pending inode past its ttl is dropped by the shard's tick") {
  actor_fixture f(true, [](meta_shard_options& o) { o.pending_ttl_ms = 1; });
  auto created = open_reply(f.call(file_create("abandoned", 2048, 1)).value());
  REQUIRE(created->kind() == wire::MessageKind::FILE_CREATE_REPLY);
  auto file_id = created->payload<wire::FileCreateReply>().getFileId();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  caf::anon_send(f.meta, tick_atom::value);
  CHECK(wait_until_dropped(f, f.meta, file_id, 0));
  auto late = open_reply(f.call(commit_all(*created, 2048, 2)).value());
  REQUIRE(late->kind() == wire::MessageKind::ERROR_REPLY);
  CHECK(read_error_reply(*late).code == errc::not_found);
  auto stats_reply = open_reply(f.call(shard_stats()).value());  // the reader must outlive stats
  auto stats = stats_reply->payload<wire::ShardStatsReply>();
  CHECK(stats.getStats().getPendingFiles() == 0);
  CHECK(stats.getStats().getGcPending() == 2);  // no storage node answers here
}

TEST_CASE(
    "removing a file whose inode is on another shard drops it there, from the entry's shard") {
  auto two_shards = [](meta_shard_options& o) {
    o.shard_count = 2;
    o.shard_hosts = {1, 1};
  };
  actor_fixture f(true, two_shards);
  auto opt1 = f.options(1);
  two_shards(opt1);
  auto shard1 = f.spawn(opt1);
  f.others.push_back(shard1);
  auto to_shard1 = [](wire::MessageKind kind, uint64_t corr) {
    auto h = request_header(kind, corr);
    h.destination = {1, meta_actor_name(1)};
    return h;
  };
  // A file in a directory of shard 1...
  envelope_builder mkdir(to_shard1(wire::MessageKind::DIR_CREATE_REQUEST, 1));
  auto mp = mkdir.init_payload<wire::DirCreateRequest>();
  mp.setParentId(root_dir_id);
  mp.setName("d");
  auto made = open_reply(f.call(shard1, mkdir.finish()).value());
  REQUIRE(made->kind() == wire::MessageKind::DIR_CREATE_REPLY);
  auto dir = made->payload<wire::DirCreateReply>().getDirId();
  envelope_builder create(to_shard1(wire::MessageKind::FILE_CREATE_REQUEST, 2));
  auto cp = create.init_payload<wire::FileCreateRequest>();
  cp.setParentId(dir);
  cp.setName("f");
  cp.setSize(2048);
  auto created = open_reply(f.call(shard1, create.finish()).value());
  REQUIRE(created->kind() == wire::MessageKind::FILE_CREATE_REPLY);
  auto file = created->payload<wire::FileCreateReply>().getFileId();
  REQUIRE(open_reply(f.call(shard1, commit_all(*created, 2048, 3)).value())->kind() ==
          wire::MessageKind::FILE_COMMIT_REPLY);
  // ...moved to shard 0's root as the client does it: link there, unlink keeping the inode.
  envelope_builder link(request_header(wire::MessageKind::LINK_REQUEST, 4));
  auto lp = link.init_payload<wire::LinkRequest>();
  lp.setParentId(root_dir_id);
  lp.setName("f");
  lp.setKind(wire::EntryKind::FILE);
  lp.setId(file);
  REQUIRE(open_reply(f.call(link.finish()).value())->kind() == wire::MessageKind::LINK_REPLY);
  envelope_builder keep(to_shard1(wire::MessageKind::UNLINK_REQUEST, 5));
  auto kp = keep.init_payload<wire::UnlinkRequest>();
  kp.setParentId(dir);
  kp.setName("f");
  kp.setExpectId(file);
  kp.setKeepInode(true);
  auto kept = open_reply(f.call(shard1, keep.finish()).value());
  REQUIRE(kept->kind() == wire::MessageKind::UNLINK_REPLY);
  CHECK_FALSE(kept->payload<wire::UnlinkReply>().getInodeDropQueued());
  CHECK(open_reply(f.call(shard1, inode_get(file, 1)).value())->kind() ==
        wire::MessageKind::INODE_GET_REPLY);

  // Removing it on shard 0 hands the drop to shard 0, which sends it to shard 1.
  auto gone = open_reply(f.call(unlink_frame("f")).value());
  REQUIRE(gone->kind() == wire::MessageKind::UNLINK_REPLY);
  CHECK_FALSE(gone->payload<wire::UnlinkReply>().getInodeDropped());
  CHECK(gone->payload<wire::UnlinkReply>().getInodeDropQueued());
  CHECK(wait_until_dropped(f, shard1, file, 1));
}

TEST_CASE("chunkCheck over the wire: referenced copies, unknown ones, another shard's id") {
  actor_fixture f;
  auto created = open_reply(f.call(file_create("f", 2048, 1)).value());
  REQUIRE(created->kind() == wire::MessageKind::FILE_CREATE_REPLY);
  auto c = created->payload<wire::FileCreateReply>();
  uint64_t correlation = 9;  // each check its own: a repeated one is a duplicate
  auto ask = [&](inode_id file, uint32_t index, host_id host) {
    envelope_builder b(request_header(wire::MessageKind::CHUNK_CHECK_REQUEST, correlation++));
    auto p = b.init_payload<wire::ChunkCheckRequest>();
    p.setFileId(file);
    p.setIndex(index);
    p.setHost(host);
    return open_reply(f.call(b.finish()).value());
  };
  auto yes = ask(c.getFileId(), 1, c.getChunks()[1].getTargets()[0]);
  REQUIRE(yes->kind() == wire::MessageKind::CHUNK_CHECK_REPLY);
  CHECK(yes->header().correlation_id == 9);
  CHECK(yes->payload<wire::ChunkCheckReply>().getReferenced());
  auto past = ask(c.getFileId(), 2, 1);
  REQUIRE(past->kind() == wire::MessageKind::CHUNK_CHECK_REPLY);
  CHECK_FALSE(past->payload<wire::ChunkCheckReply>().getReferenced());
  auto foreign = ask(make_inode_id(3, 5), 0, 1);
  REQUIRE(foreign->kind() == wire::MessageKind::ERROR_REPLY);
  CHECK(read_error_reply(*foreign).code == errc::invalid_argument);
}
