#include "runtime/metrics/role_families.hpp"

#include <functional>
#include <string>

#include "runtime/ids.hpp"

namespace cairn {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using labels = std::vector<ClientMetric::Label>;

void add(MetricFamily& f, labels l, double value) {
  ClientMetric m;
  m.label = std::move(l);
  if (f.type == MetricType::Counter)
    m.counter.value = value;
  else
    m.gauge.value = value;
  f.metric.push_back(std::move(m));
}

labels node_labels(const node_stats& n) { return {{"host", std::to_string(n.host)}}; }

labels shard_labels(const shard_stats& s) {
  return {{"host", std::to_string(s.host)}, {"shard", std::to_string(s.shard)}};
}

// One family per field: name, help, type and how to read the field.
template <class Stats>
struct field {
  const char* name;
  const char* help;
  MetricType type;
  std::function<double(const Stats&)> read;
};

template <class Stats>
void add_fields(std::vector<MetricFamily>& out, const std::vector<Stats>& rows,
                const std::vector<field<Stats>>& fields, labels (*labels_of)(const Stats&)) {
  if (rows.empty()) return;
  for (auto& f : fields) {
    MetricFamily family{f.name, f.help, f.type, {}};
    for (auto& row : rows) add(family, labels_of(row), f.read(row));
    out.push_back(std::move(family));
  }
}

const std::vector<field<node_stats>>& node_fields() {
  static const std::vector<field<node_stats>> fields{
      {"cairn_chunks", "Chunks this storage node holds.", MetricType::Gauge,
       [](const node_stats& n) { return double(n.chunks); }},
      {"cairn_chunk_bytes", "Bytes of the chunks this storage node holds.", MetricType::Gauge,
       [](const node_stats& n) { return double(n.bytes); }},
      {"cairn_disk_free_bytes", "Bytes this storage node may still write.", MetricType::Gauge,
       [](const node_stats& n) { return double(n.free_bytes); }},
      {"cairn_scrub_passes_total", "Scrub passes completed since the node started.",
       MetricType::Counter, [](const node_stats& n) { return double(n.scrub_passes); }},
      {"cairn_scrub_verified_chunks_total",
       "Chunks the scrub read whose bytes matched their CRC32C.", MetricType::Counter,
       [](const node_stats& n) { return double(n.scrub_chunks_verified); }},
      {"cairn_scrub_verified_bytes_total", "Bytes of the chunks the scrub verified.",
       MetricType::Counter, [](const node_stats& n) { return double(n.scrub_bytes_verified); }},
      {"cairn_scrub_corrupt_chunks_total", "Scrub reads that found a corrupt chunk.",
       MetricType::Counter, [](const node_stats& n) { return double(n.scrub_corrupt_found); }},
  };
  return fields;
}

const std::vector<field<shard_stats>>& shard_fields() {
  static const std::vector<field<shard_stats>> fields{
      {"cairn_files", "Committed files whose inode this meta shard holds.", MetricType::Gauge,
       [](const shard_stats& s) { return double(s.files); }},
      {"cairn_directories", "Directories this meta shard holds.", MetricType::Gauge,
       [](const shard_stats& s) { return double(s.directories); }},
      {"cairn_file_bytes", "Bytes of the files this meta shard holds (one copy).",
       MetricType::Gauge, [](const shard_stats& s) { return double(s.bytes); }},
      {"cairn_under_replicated_chunks", "Chunks with fewer live replicas than final.",
       MetricType::Gauge, [](const shard_stats& s) { return double(s.under_replicated); }},
      {"cairn_pending_files", "Files created and not yet committed or dropped.", MetricType::Gauge,
       [](const shard_stats& s) { return double(s.pending_files); }},
      {"cairn_gc_pending_chunks", "Chunk copies queued for deletion.", MetricType::Gauge,
       [](const shard_stats& s) { return double(s.gc_pending); }},
  };
  return fields;
}

const std::vector<field<shard_stats>>& repair_fields() {
  static const std::vector<field<shard_stats>> fields{
      {"cairn_repair_copies_done_total", "Repairs copied and recorded since the repairer started.",
       MetricType::Counter, [](const shard_stats& s) { return double(s.repairs_done); }},
      {"cairn_repair_copies_failed_total",
       "Repairs whose copy or record failed since the repairer started.", MetricType::Counter,
       [](const shard_stats& s) { return double(s.repairs_failed); }},
      {"cairn_repair_copied_bytes_total", "Bytes of the repairs done.", MetricType::Counter,
       [](const shard_stats& s) { return double(s.repair_bytes_copied); }},
      {"cairn_repair_queued_chunks",
       "The shard's under-replicated queue length at the repairer's last read.", MetricType::Gauge,
       [](const shard_stats& s) { return double(s.repair_queued); }},
      {"cairn_repair_inflight_copies", "Repairs in flight.", MetricType::Gauge,
       [](const shard_stats& s) { return double(s.repairs_inflight); }},
  };
  return fields;
}

labels actor_labels(host_id host, const std::string& actor) {
  return {{"actor", actor}, {"host", std::to_string(host)}};
}

MetricFamily mailbox_family(const role_stats_snapshot& s) {
  MetricFamily f{"cairn_mailbox_depth",
                 "Messages queued in a role's mailbox when it answered the stats request.",
                 MetricType::Gauge,
                 {}};
  for (auto& n : s.nodes) add(f, actor_labels(n.host, "storage"), double(n.mailbox_depth));
  for (auto& m : s.shards)
    add(f, actor_labels(m.host, meta_actor_name(m.shard)), double(m.mailbox_depth));
  for (auto& r : s.repairers)
    add(f, actor_labels(r.host, repairer_actor_name(r.shard)), double(r.mailbox_depth));
  return f;
}

MetricFamily up_family(const role_stats_snapshot& s) {
  MetricFamily f{"cairn_role_stats_up",
                 "1 if the role answered this scrape's stats request in time, else 0.",
                 MetricType::Gauge,
                 {}};
  for (auto& p : s.probes) add(f, actor_labels(p.host, p.actor), p.answered ? 1 : 0);
  return f;
}

}  // namespace

bool valid_metric_word(std::string_view word) {
  if (word.empty()) return false;
  for (char c : word)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

std::vector<MetricFamily> transport_families(const std::vector<named_count>& counts) {
  std::vector<MetricFamily> out;
  for (auto& c : counts) {
    MetricFamily f{"cairn_transport_" + c.name + "_total",
                   "Transport counter " + c.name + " since the process started.",
                   MetricType::Counter,
                   {}};
    add(f, {}, double(c.value));
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<MetricFamily> role_families(const role_stats_snapshot& s) {
  std::vector<MetricFamily> out;
  add_fields(out, s.nodes, node_fields(), node_labels);
  add_fields(out, s.shards, shard_fields(), shard_labels);
  add_fields(out, s.repairers, repair_fields(), shard_labels);
  for (auto f : {mailbox_family(s), up_family(s)})
    if (!f.metric.empty()) out.push_back(std::move(f));
  return out;
}

}  // namespace cairn
