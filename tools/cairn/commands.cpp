#include "tools/cairn/commands.hpp"

#include "actors/coordinator/cluster_health.hpp"

#include <iostream>

namespace cairn::cli {

int fail(const error& err) {
  std::cerr << "cairn: " << err.to_string() << "\n";
  return exit_status(err.code);
}

int cmd_put(command_env& env, const std::string& local, const std::string& remote,
            put_options opt) {
  auto src = open_file_source(local);
  if (!src) return fail(src.err());
  auto r = env.client->put(remote, *src, opt);
  if (!r) return fail(r.err());
  print_result(env.fmt,
               {{"path", remote},
                {"bytes", r->bytes},
                {"chunks", r->chunks},
                {"crc32c", hex32(r->crc)},
                {"under_replicated_chunks", r->under_replicated_chunks}},
               "put " + remote + ": " + std::to_string(r->bytes) + " bytes, " +
                   std::to_string(r->chunks) + " chunks, crc32c " + hex32(r->crc) +
                   (r->under_replicated_chunks ? ", " + std::to_string(r->under_replicated_chunks) +
                                                     " chunks below final (queued for repair)"
                                               : ""));
  return 0;
}

int cmd_get(command_env& env, const std::string& remote, const std::string& local) {
  auto sink = open_file_sink(local);
  if (!sink) return fail(sink.err());
  auto r = env.client->get(remote, *sink);
  if (!r) return fail(r.err());
  if (local == "-") return 0;  // the bytes are the output
  print_result(env.fmt,
               {{"path", remote},
                {"bytes", r->bytes},
                {"chunks", r->chunks},
                {"crc32c", hex32(r->crc)},
                {"replica_fallbacks", r->replica_fallbacks}},
               "get " + remote + ": " + std::to_string(r->bytes) + " bytes to " + local +
                   ", crc32c " + hex32(r->crc) +
                   (r->replica_fallbacks
                        ? ", " + std::to_string(r->replica_fallbacks) + " replica reads failed over"
                        : ""));
  return 0;
}

int cmd_ls(command_env& env, const std::string& path, bool long_format) {
  auto r = env.client->list(path, long_format || env.fmt == format::json);
  if (!r) return fail(r.err());
  print_entries(env.fmt, path, *r, long_format);
  return 0;
}

int cmd_stat(command_env& env, const std::string& path) {
  auto r = env.client->stat(path);
  if (!r) return fail(r.err());
  print_file(env.fmt, *r);
  return 0;
}

int cmd_mkdir(command_env& env, const std::string& path, bool parents) {
  auto r = env.client->mkdir(path, parents);
  if (!r) return fail(r.err());
  print_result(env.fmt, {{"path", path}, {"created", true}}, "mkdir " + path);
  return 0;
}

int cmd_rm(command_env& env, const std::string& path, bool recursive) {
  auto r = env.client->remove(path, recursive);
  if (!r) return fail(r.err());
  print_result(env.fmt, {{"path", path}, {"removed", true}}, "rm " + path);
  return 0;
}

int cmd_mv(command_env& env, const std::string& src, const std::string& dst) {
  auto r = env.client->move(src, dst);
  if (!r) return fail(r.err());
  print_result(env.fmt, {{"from", src}, {"to", dst}}, "mv " + src + " -> " + dst);
  return 0;
}

int cmd_status(command_env& env) {
  auto r = env.client->status_report();
  if (!r) return fail(r.err());
  print_status(env.fmt, *r);
  return 0;
}

int cmd_health_detail(command_env& env) {
  auto r = env.client->status_report();
  if (!r) return fail(r.err());
  print_health_detail(env.fmt, health_checks(*r));
  return 0;
}

int cmd_node_tree(command_env& env) {
  auto r = env.client->status_report();
  if (!r) return fail(r.err());
  print_node_tree(env.fmt, *r);
  return 0;
}

}  // namespace cairn::cli
