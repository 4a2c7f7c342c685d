#pragma once
// This process's Prometheus metrics (docs/metrics.md lists every one). Owns a
// prometheus::Registry holding the request families the transport feeds, and the
// latest snapshots of what is read at scrape time (the transport's counters, the local
// roles' stats); render() writes all of it in the text exposition format.
// Thread-safe. Includes no CAF header: the CAF side (tools/cairnd) feeds it.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/cluster_stats.hpp"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace cairn {

// A counter kept elsewhere and read at scrape time, e.g. one transport atomic.
struct named_count {
  std::string name;  // [a-z0-9_]+, e.g. "frames_received" -> cairn_transport_frames_received_total
  uint64_t value = 0;
};

// One local role asked for its stats at a scrape.
struct role_probe {
  host_id host = 0;
  std::string actor;  // "storage", "meta.<s>", "repair.<s>"
  bool answered = false;
};

// What this host's roles answered at one scrape. A role that did not answer in time is
// absent from nodes / shards / repairers, so its series disappear until it answers
// again; its probe says answered = false (cairn_role_stats_up 0).
struct role_stats_snapshot {
  std::vector<node_stats> nodes;       // storage nodes
  std::vector<shard_stats> shards;     // meta shards: the namespace fields
  std::vector<shard_stats> repairers;  // their repairers: the repair fields
  std::vector<role_probe> probes;      // every role asked
};

class metrics {
 public:
  metrics();
  ~metrics();
  metrics(const metrics&) = delete;
  metrics& operator=(const metrics&) = delete;

  // A request of envelope kind `kind` (a wire::MessageKind value) that this host served
  // in `seconds`; `failed`: answered with an errorReply, or not answered. Counted in
  // cairn_requests_total{kind, outcome} and cairn_request_duration_seconds{kind}, kind
  // being the schema's enumerant name ("unknown" for a value the schema does not name).
  // The first request of a kind creates its series under a lock; later ones do no
  // allocation or string work (prometheus-cpp's histogram takes a short lock per child).
  void observe_request(uint16_t kind, double seconds, bool failed);

  // Replaces the transport counters rendered as cairn_transport_<name>_total.
  // REQUIRES: every name matches [a-z0-9_]+.
  void set_transport_counts(std::vector<named_count> counts);
  // Replaces the roles' stats rendered as the gauges and counters of docs/metrics.md.
  void set_role_stats(role_stats_snapshot snapshot);

  // The text exposition (format 0.0.4) of the registry and the latest snapshots.
  std::string render();

  // For families of other parts of the process; rendered with the rest.
  prometheus::Registry& registry() { return *registry_; }

 private:
  struct kind_series;
  kind_series& series_of(uint16_t kind);
  kind_series* make_series(size_t slot);

  std::shared_ptr<prometheus::Registry> registry_;
  struct families;
  std::unique_ptr<families> families_;
  std::vector<std::string> kind_names_;  // by kind value; the last slot is "unknown"
  // One slot per kind value plus "unknown": null until the first request of that kind.
  std::unique_ptr<std::atomic<kind_series*>[]> slots_;
  std::mutex series_mutex_;  // creating series
  std::vector<std::unique_ptr<kind_series>> series_;

  std::mutex snapshot_mutex_;
  std::vector<named_count> transport_;
  role_stats_snapshot roles_;
};

}  // namespace cairn
