#pragma once
// `cairn bench put|get`: drives the cluster with `inflight` concurrent operations and
// reports throughput and latency percentiles. Gets read a population of files
// written (untimed) first; everything a run writes is removed afterwards unless --keep.
#include <caf/fwd.hpp>

#include <string>

#include "actors/client/client_context.hpp"
#include "actors/client/client_types.hpp"
#include "tools/cairn/output.hpp"

namespace cairn::cli {

struct bench_options {
  std::string op;  // put | get
  uint64_t size = 4096;
  uint64_t count = 1000;
  uint32_t inflight = 16;
  uint32_t connections = 2;        // client actors, each with its own TCP connection
  uint64_t population_max = 1000;  // files a get run reads from
  put_options put;
  bool keep = false;
};

int cmd_bench(caf::actor_system& sys, const std::string& host, uint16_t port,
              const client_options& copt, const bench_options& opt, format fmt);

}  // namespace cairn::cli
