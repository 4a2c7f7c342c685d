#pragma once
// cairnd's configuration, read from TOML (see examples/local.toml for every key).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/ids.hpp"
#include "runtime/result.hpp"

namespace cairn {

struct topology_labels {
  std::string region, dc, cluster, rack, host;
};

struct host_config {
  host_id id = 0;
  std::string name;
  bool storage = true;       // runs a storage node
  bool meta = true;          // may hold meta shards
  bool coordinator = false;  // runs the coordinator (role "coordinator"; else the first host)
  topology_labels labels;
  std::string data_dir;         // resolved: <cluster data_dir>/<name> unless set
  uint64_t capacity_bytes = 0;  // storage quota; 0 = the disk's free space
  // HOST:PORT where its peers and clients reach it (advertised). Empty when every host
  // runs in one process.
  std::string address;
};

// Optional TLS under the handshake (docs/operations.md, "TLS"): PEM files; every host
// presents cert_file and verifies its peer against ca_file.
struct tls_config {
  std::string cert_file, key_file, ca_file;
  bool enabled() const { return !cert_file.empty(); }
};

struct cluster_config {
  std::string name = "local";
  std::string data_dir = "data";  // resolved to an absolute path
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 7400;
  uint64_t chunk_size = 4u << 20;
  uint8_t min_replicas = 2;
  uint8_t final_replicas = 3;
  uint16_t shards = 3;
  uint64_t frame_bytes_max = 0;  // 0: chunk_size + 1 MiB
  uint32_t request_timeout_ms = 10000;
  uint32_t group_commit_max = 256;  // requests folded into one fsync / LMDB commit
  uint32_t connections_max = 256;
  std::string log_level = "info";
  // Orphan GC (actors/storage_node/README.md). A pending inode (created, never
  // committed) older than pending_ttl_ms is dropped by its meta shard; a storage node
  // asks about a chunk only once it is older than orphan_grace_ms, which must exceed
  // pending_ttl_ms; scan passes start orphan_scan_interval_ms apart.
  int64_t pending_ttl_ms = 10 * 60 * 1000;
  int64_t orphan_grace_ms = 15 * 60 * 1000;
  int64_t orphan_scan_interval_ms = 60 * 1000;
  // Failure detection (docs/operations.md, "Host states"). Every host is observed by
  // `observers` others, which ping it every heartbeat_interval_ms; an observer suspects
  // it when phi (accrual over the ping replies' arrival times) reaches phi_threshold,
  // with heartbeat_pause_ms of silence tolerated beyond the usual interval. Two
  // observers must agree before the coordinator declares it down; an accusation not
  // repeated within accusation_ttl_ms expires. Down for out_interval_ms: out.
  int64_t heartbeat_interval_ms = 1000;
  uint32_t observers = 3;
  double phi_threshold = 8.0;
  int64_t heartbeat_pause_ms = 500;
  int64_t accusation_ttl_ms = 10 * 1000;
  int64_t out_interval_ms = 10 * 60 * 1000;
  // Replica repair (actors/repairer/README.md): chunk copies in flight per meta shard's
  // repairer, and the bytes per second each repairer may copy.
  uint32_t repair_inflight = 8;
  uint64_t repair_bandwidth = 256u << 20;
  // Scrubbing (actors/storage_node/README.md): bytes per second each storage node reads
  // to verify checksums, and the pause between two full passes.
  uint64_t scrub_rate = 32u << 20;
  int64_t scrub_interval_ms = 24 * 60 * 60 * 1000;
  // The founding members ([[hosts]]), identical in every host's file. Meta shards are
  // spread over these; hosts that join later store chunks but hold no shard.
  std::vector<host_config> hosts;

  // Multi-host ([host] section present): this process runs one host, `local` — a
  // founding member or a new host that joins through `seeds`. Unset: every host of
  // `hosts` runs in this one process (the embedded default, `make run`).
  std::optional<host_config> local;
  std::vector<std::string> seeds;  // HOST:PORT of hosts a new host asks to be admitted by
  // The cluster secret (the bytes of secret_file, surrounding whitespace trimmed). Every
  // connection proves it holds it before anything else (docs/protocols.md, "Transport").
  // Required in multi-host mode; optional in one process (then no handshake).
  std::string secret;
  std::string secret_file;
  tls_config tls;
  std::string admin_listen;  // HOST:PORT of /metrics, /livez, /readyz; empty: no admin HTTP
  // Transport limits (docs/protocols.md, "Transport"): connections from one IP address, the time a
  // connection has to finish its handshake, how long it may stay silent or leave a frame
  // half sent, and the bytes queued towards one peer before new requests are refused.
  uint32_t connections_per_ip_max = 64;
  int64_t handshake_timeout_ms = 5000;
  int64_t idle_timeout_ms = 10 * 60 * 1000;
  int64_t frame_timeout_ms = 30 * 1000;
  uint64_t peer_queue_bytes_max = 64u << 20;

  bool multi_host() const { return local.has_value(); }
  // The founding host that runs the coordinator: the one with the role, else the first.
  const host_config& coordinator_host() const;

  uint64_t effective_frame_bytes_max() const {
    return frame_bytes_max ? frame_bytes_max : chunk_size + (1u << 20);
  }
  // The host running shard `s`: meta-capable hosts in order, round robin.
  host_id shard_host(shard_id s) const;
};

// Parses "HOST:PORT" (port 0-65535).
result<std::pair<std::string, uint16_t>> parse_endpoint(const std::string& text);

// Parses "4MiB", "512KiB", "1GiB", "4096" into bytes.
result<uint64_t> parse_size(const std::string& text);

// Parses "500ms", "90s", "15m", "2h", "1d" into milliseconds; a bare number is seconds.
result<int64_t> parse_duration_ms(const std::string& text);

// A secret file's bytes, surrounding whitespace trimmed: invalid_argument when it is
// missing, shorter than 16 bytes, or readable by group or others. REQUIRES: absolute path.
result<std::string> read_secret_file(const std::string& path);

// Reads and validates a config file. Relative data dirs resolve against `cwd`.
result<cluster_config> load_config(const std::string& path, const std::string& cwd);
result<cluster_config> parse_config(const std::string& toml_text, const std::string& source,
                                    const std::string& cwd);

}  // namespace cairn
