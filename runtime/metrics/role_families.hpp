#pragma once
// The metric families of the values read at scrape time: the transport's counters and
// the local roles' stats (docs/metrics.md). Pure: snapshots in, families out.
#include <prometheus/metric_family.h>

#include <string_view>
#include <vector>

#include "runtime/metrics/metrics.hpp"

namespace cairn {

// Whether `word` may be part of a metric name: [a-z0-9_]+.
bool valid_metric_word(std::string_view word);

// cairn_transport_<name>_total, one counter per entry.
std::vector<prometheus::MetricFamily> transport_families(const std::vector<named_count>& counts);

// The storage, meta shard, repair, scrub, mailbox and cairn_role_stats_up families.
// Families without a series are left out.
std::vector<prometheus::MetricFamily> role_families(const role_stats_snapshot& s);

}  // namespace cairn
