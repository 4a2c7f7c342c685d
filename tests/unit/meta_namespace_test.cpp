// meta_shard_state over a real LMDB store: directories, names and their errors.
#include "meta_test_support.hpp"

using namespace cairn;
using cairn::test::meta_fixture;

TEST_CASE("a directory made and linked on its shard is found by lookup and list") {
  meta_fixture f;
  auto a = f.mkdir(root_dir_id, "a");
  auto b = f.mkdir(a, "b");
  CHECK(home_shard(a) == 0);
  CHECK(a != b);
  auto found = f.ok<lookup_reply>(lookup_request{root_dir_id, {"a", "b"}});
  REQUIRE(found.entries.size() == 2);
  CHECK(found.entries[0].id == a);
  CHECK(found.entries[1].id == b);
  CHECK(found.entries[1].kind == entry_kind::directory);
  auto listed = f.ok<list_reply>(list_request{a, "", 0});
  REQUIRE(listed.entries.size() == 1);
  CHECK(listed.entries[0].name == "b");
  CHECK_FALSE(listed.more);
}

TEST_CASE("lookup reports a missing component, a file in the middle and an unknown parent") {
  meta_fixture f;
  auto a = f.mkdir(root_dir_id, "a");
  f.put_file(a, "f", 10, 3);
  auto missing = f.run(lookup_request{root_dir_id, {"a", "nope"}});
  CHECK(missing.reply.code() == errc::not_found);
  CHECK(missing.reply.err().message.find("nope") != std::string::npos);
  CHECK(f.fails(lookup_request{root_dir_id, {"a", "f", "x"}}) == errc::not_a_directory);
  CHECK(f.fails(lookup_request{make_inode_id(0, 999), {"a"}}) == errc::not_found);
  CHECK(f.fails(lookup_request{make_inode_id(3, 5), {"a"}}) == errc::not_found);
  CHECK(f.fails(lookup_request{root_dir_id, {"a", ".."}}) == errc::invalid_argument);
}

TEST_CASE("lookup stops at a directory on another shard and fills a local file's size") {
  meta_fixture f;
  inode_id remote = make_inode_id(2, 77);
  f.ok<link_reply>(link_request{root_dir_id, "far", entry_kind::directory, remote});
  auto stop = f.ok<lookup_reply>(lookup_request{root_dir_id, {"far", "x", "y"}});
  REQUIRE(stop.entries.size() == 1);
  CHECK(stop.entries[0].id == remote);
  auto file = f.put_file(root_dir_id, "f", 250, 3);
  auto got = f.ok<lookup_reply>(lookup_request{root_dir_id, {"f"}});
  REQUIRE(got.entries.size() == 1);
  CHECK(got.entries[0].id == file);
  CHECK(got.entries[0].size == 250);
  CHECK(got.entries[0].mtime_ms == f.now_ms);
}

TEST_CASE("link refuses a taken name but accepts a retry of the same link") {
  meta_fixture f;
  inode_id x = make_inode_id(1, 10);
  f.ok<link_reply>(link_request{root_dir_id, "x", entry_kind::file, x});
  f.ok<link_reply>(link_request{root_dir_id, "x", entry_kind::file, x});
  CHECK(f.fails(link_request{root_dir_id, "x", entry_kind::file, x + 1}) == errc::already_exists);
  CHECK(f.fails(link_request{root_dir_id, "x", entry_kind::directory, x}) == errc::already_exists);
  CHECK(f.fails(link_request{make_inode_id(0, 555), "y", entry_kind::file, x}) == errc::not_found);
  CHECK(f.fails(link_request{root_dir_id, "", entry_kind::file, x}) == errc::invalid_argument);
  CHECK(f.fails(link_request{root_dir_id, "a/b", entry_kind::file, x}) == errc::invalid_argument);
  CHECK(f.fails(link_request{root_dir_id, std::string(256, 'n'), entry_kind::file, x}) ==
        errc::invalid_argument);
  CHECK(f.fails(link_request{root_dir_id, std::string("a\0b", 3), entry_kind::file, x}) ==
        errc::invalid_argument);
}

TEST_CASE("unlink of a non-empty directory is not_empty and of an empty one drops its marker") {
  meta_fixture f;
  auto a = f.mkdir(root_dir_id, "a");
  f.mkdir(a, "b");
  CHECK(f.fails(unlink_request{root_dir_id, "a", 0, false}) == errc::not_empty);
  auto b = f.ok<unlink_reply>(unlink_request{a, "b", 0, false});
  CHECK(b.kind == entry_kind::directory);
  CHECK(b.inode_dropped);
  CHECK_FALSE(f.reader()->get_dir(b.id)->has_value());
  auto gone = f.ok<unlink_reply>(unlink_request{root_dir_id, "a", a, false});
  CHECK(gone.inode_dropped);
  CHECK(f.fails(unlink_request{root_dir_id, "a", 0, false}) == errc::not_found);
  CHECK(f.fails(list_request{a, "", 0}) == errc::not_found);
  auto stats = f.ok<shard_stats_reply>(shard_stats_request{});
  CHECK(stats.stats.directories == 1);  // the root
}

TEST_CASE("unlink with another expected id is not_found and a remote inode stays") {
  meta_fixture f;
  inode_id remote = make_inode_id(1, 10);
  f.ok<link_reply>(link_request{root_dir_id, "x", entry_kind::file, remote});
  CHECK(f.fails(unlink_request{root_dir_id, "x", remote + 1, false}) == errc::not_found);
  auto out = f.ok<unlink_reply>(unlink_request{root_dir_id, "x", remote, false});
  CHECK(out.id == remote);
  CHECK_FALSE(out.inode_dropped);
}

TEST_CASE("unlink with keep_inode removes only the entry of a local file") {
  meta_fixture f;
  auto file = f.put_file(root_dir_id, "f", 10, 3);
  auto out = f.ok<unlink_reply>(unlink_request{root_dir_id, "f", 0, true});
  CHECK_FALSE(out.inode_dropped);
  CHECK(f.ok<inode_get_reply>(inode_get_request{file}).inode.id == file);
  CHECK(f.gc_size() == 0);
  // Linked elsewhere now, so the inode may be dropped on its own.
  f.ok<inode_drop_reply>(inode_drop_request{file});
  CHECK(f.fails(inode_get_request{file}) == errc::not_found);
  CHECK(f.gc_size() == 1);
}

TEST_CASE("dir_remove needs an existing, empty, non-root directory on this shard") {
  meta_fixture f;
  auto a = f.mkdir(root_dir_id, "a");
  f.mkdir(a, "b");
  CHECK(f.fails(dir_remove_request{a}) == errc::not_empty);
  CHECK(f.fails(dir_remove_request{root_dir_id}) == errc::invalid_argument);
  CHECK(f.fails(dir_remove_request{make_inode_id(0, 4242)}) == errc::not_found);
  auto b = f.ok<lookup_reply>(lookup_request{a, {"b"}}).entries.at(0).id;
  f.ok<dir_remove_reply>(dir_remove_request{b});
  CHECK(f.fails(dir_remove_request{b}) == errc::not_found);
}

TEST_CASE("list pages through entries in name order and says when there are more") {
  meta_fixture f;
  for (auto name : {"d", "b", "a", "e", "c"})
    f.ok<link_reply>(link_request{root_dir_id, name, entry_kind::file, make_inode_id(1, 100)});
  auto first = f.ok<list_reply>(list_request{root_dir_id, "", 2});
  REQUIRE(first.entries.size() == 2);
  CHECK(first.entries[0].name == "a");
  CHECK(first.entries[1].name == "b");
  CHECK(first.more);
  auto rest = f.ok<list_reply>(list_request{root_dir_id, "b", 10});
  REQUIRE(rest.entries.size() == 3);
  CHECK(rest.entries[0].name == "c");
  CHECK(rest.entries[2].name == "e");
  CHECK_FALSE(rest.more);
  CHECK(f.fails(list_request{make_inode_id(0, 99), "", 0}) == errc::not_found);
}

TEST_CASE("rename moves an entry and refuses a taken name, a missing source or a cycle") {
  meta_fixture f;
  auto a = f.mkdir(root_dir_id, "a");
  auto b = f.mkdir(a, "b");
  auto file = f.put_file(root_dir_id, "f", 10, 3);
  f.ok<rename_reply>(rename_request{root_dir_id, "f", b, "g"});
  CHECK(f.ok<lookup_reply>(lookup_request{root_dir_id, {"a", "b", "g"}}).entries.at(2).id == file);
  CHECK(f.fails(lookup_request{root_dir_id, {"f"}}) == errc::not_found);
  // The inode follows, so dropping it while linked as g is refused.
  CHECK(f.ok<inode_get_reply>(inode_get_request{file}).inode.name == "g");
  CHECK(f.fails(inode_drop_request{file}) == errc::invalid_argument);
  CHECK(f.fails(rename_request{root_dir_id, "f", b, "h"}) == errc::not_found);
  f.ok<link_reply>(link_request{b, "h", entry_kind::file, make_inode_id(1, 9)});
  CHECK(f.fails(rename_request{b, "g", b, "h"}) == errc::already_exists);
  CHECK(f.fails(rename_request{root_dir_id, "a", b, "a2"}) == errc::invalid_argument);
  CHECK(f.fails(rename_request{root_dir_id, "a", a, "a2"}) == errc::invalid_argument);
  CHECK(f.fails(rename_request{b, "g", make_inode_id(0, 999), "g"}) == errc::not_found);
  CHECK(f.fails(rename_request{b, "g", b, "."}) == errc::invalid_argument);
  // A directory may move sideways, and its marker records the new place.
  auto c = f.mkdir(root_dir_id, "c");
  f.ok<rename_reply>(rename_request{a, "b", c, "b2"});
  auto marker = f.reader()->get_dir(b);
  REQUIRE(marker.ok());
  REQUIRE(marker->has_value());
  CHECK((*marker)->parent_id == c);
  CHECK((*marker)->name == "b2");
}
