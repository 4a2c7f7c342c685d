#include "runtime/metrics/metrics.hpp"

#include <capnp/schema.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "cairn/schema/envelope.capnp.h"
#include "runtime/assert.hpp"
#include "runtime/metrics/role_families.hpp"

namespace cairn {
namespace {

// 50 us (an in-process read) to 10 s (the default request timeout), about 2.5x apart.
const prometheus::Histogram::BucketBoundaries& duration_buckets() {
  static const prometheus::Histogram::BucketBoundaries buckets{
      50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3,
      50e-3, 100e-3, 250e-3, 500e-3, 1.0,  2.5,    5.0,  10.0};
  return buckets;
}

// Enumerant names by value, from the schema itself; a value it skips reads "unknown".
std::vector<std::string> message_kind_names() {
  std::vector<std::string> names;
  for (auto e : capnp::Schema::from<wire::MessageKind>().getEnumerants()) {
    size_t value = e.getOrdinal();
    if (names.size() <= value) names.resize(value + 1);
    names[value] = e.getProto().getName().cStr();
  }
  for (auto& n : names)
    if (n.empty()) n = "unknown";
  return names;
}

}  // namespace

struct metrics::families {
  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Histogram>& durations;
};

struct metrics::kind_series {
  prometheus::Counter& ok;
  prometheus::Counter& failed;
  prometheus::Histogram& duration;
};

metrics::metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& requests = prometheus::BuildCounter()
                       .Name("cairn_requests_total")
                       .Help("Requests this host served, by envelope message kind and outcome.")
                       .Register(*registry_);
  auto& durations = prometheus::BuildHistogram()
                        .Name("cairn_request_duration_seconds")
                        .Help("Time from a request's arrival to its answer, by message kind.")
                        .Register(*registry_);
  families_ = std::make_unique<families>(families{requests, durations});
  kind_names_ = message_kind_names();
  kind_names_.push_back("unknown");
  slots_ = std::make_unique<std::atomic<kind_series*>[]>(kind_names_.size());
  for (size_t i = 0; i < kind_names_.size(); ++i) slots_[i].store(nullptr);
}

metrics::~metrics() = default;

metrics::kind_series* metrics::make_series(size_t slot) {
  std::lock_guard lock(series_mutex_);
  if (auto* made = slots_[slot].load(std::memory_order_acquire)) return made;
  const auto& kind = kind_names_[slot];
  series_.push_back(std::make_unique<kind_series>(
      kind_series{families_->requests.Add({{"kind", kind}, {"outcome", "ok"}}),
                  families_->requests.Add({{"kind", kind}, {"outcome", "error"}}),
                  families_->durations.Add({{"kind", kind}}, duration_buckets())}));
  slots_[slot].store(series_.back().get(), std::memory_order_release);
  return series_.back().get();
}

metrics::kind_series& metrics::series_of(uint16_t kind) {
  size_t slot = kind < kind_names_.size() - 1 ? kind : kind_names_.size() - 1;
  auto* series = slots_[slot].load(std::memory_order_acquire);
  return series ? *series : *make_series(slot);
}

void metrics::observe_request(uint16_t kind, double seconds, bool failed) {
  auto& series = series_of(kind);
  (failed ? series.failed : series.ok).Increment();
  series.duration.Observe(seconds);
}

void metrics::set_transport_counts(std::vector<named_count> counts) {
  for (auto& c : counts) CAIRN_ASSERT(valid_metric_word(c.name));
  std::lock_guard lock(snapshot_mutex_);
  transport_ = std::move(counts);
}

void metrics::set_role_stats(role_stats_snapshot snapshot) {
  std::lock_guard lock(snapshot_mutex_);
  roles_ = std::move(snapshot);
}

std::string metrics::render() {
  auto all = registry_->Collect();
  {
    std::lock_guard lock(snapshot_mutex_);
    for (auto& f : transport_families(transport_)) all.push_back(std::move(f));
    for (auto& f : role_families(roles_)) all.push_back(std::move(f));
  }
  return prometheus::TextSerializer().Serialize(all);
}

}  // namespace cairn
