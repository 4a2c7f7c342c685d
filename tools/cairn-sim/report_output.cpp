#include "tools/cairn-sim/report_output.hpp"

#include <cstdio>
#include <sstream>

namespace cairn::sim_cli {
namespace {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

nlohmann::json ops_json(const workload_stats& s) {
  nlohmann::json out = nlohmann::json::object();
  for (auto& [kind, t] : s.by_kind)
    out[kind] = {{"acked", t.acked}, {"failed", t.failed}, {"errors", t.errors}};
  out["skipped"] = s.skipped;
  out["reads_checked"] = s.reads_checked;
  return out;
}

}  // namespace

nlohmann::json to_json(const sim_report& r) {
  nlohmann::json config = nlohmann::json::object();
  for (auto& [k, v] : fields(r.swarm)) config[k] = nlohmann::json::parse(v);
  nlohmann::json out = {
      {"seed", r.options.seed},
      {"passed", r.passed()},
      {"trace_hash", hex64(r.trace_hash)},
      {"trace_events", r.trace_events},
      {"sim_seconds", r.sim_seconds},
      {"wall_seconds", r.wall_seconds},
      {"sim_real_ratio", r.sim_real_ratio()},
      {"messages", r.messages},
      {"config", config},
      {"ops", ops_json(r.ops)},
      {"faults", r.faults},
      {"network",
       {{"requests", r.net.requests},
        {"replies", r.net.replies},
        {"dropped", r.net.dropped},
        {"duplicated", r.net.duplicated},
        {"host_down", r.net.host_down},
        {"clogged", r.links.clogged_delays}}},
      {"replicas_destroyed", r.replicas_destroyed},
      {"detect_down_p50_s", r.detection.p50_s},
      {"detect_down_p99_s", r.detection.p99_s},
      {"detections",
       {{"crashes", r.detection.crashes},
        {"detected", r.detection.detected},
        {"untimed", r.detection.untimed},
        {"after_return", r.detection.after_return},
        {"missed", r.detection.missed},
        {"max_s", r.detection.max_s}}},
      {"false_down_count", r.detection.false_downs},
      {"corruptions_injected", r.corruptions_injected},
      {"corruptions_repaired", r.corruptions_repaired},
      {"repair_drained_s", r.repair_drained_s},
      {"violations", r.violations},
      {"reproduce", reproduce_command(r.options)},
  };
  nlohmann::json checks = nlohmann::json::object();
  for (auto& c : r.checkers) {
    out[c.name] = c.passed;
    checks[c.name] = c.detail;
  }
  out["checker_details"] = checks;
  return out;
}

std::string to_text(const sim_report& r) {
  std::ostringstream o;
  o << "cairn-sim seed " << r.options.seed << "\n";
  o << "  config   " << describe(r.swarm) << "\n";
  o << "  time     " << fixed(r.sim_seconds, 1) << " s simulated in " << fixed(r.wall_seconds, 1)
    << " s wall (" << fixed(r.sim_real_ratio(), 1) << ":1), " << r.messages << " messages\n";
  o << "  ops     ";
  for (auto& [kind, t] : r.ops.by_kind) {
    o << " " << kind << " " << t.acked << " ok/" << t.failed << " failed";
    if (!t.errors.empty()) {
      o << " (";
      bool first = true;
      for (auto& [code, n] : t.errors) {
        o << (first ? "" : ", ") << code << " " << n;
        first = false;
      }
      o << ")";
    }
    o << ";";
  }
  o << " skipped " << r.ops.skipped << "\n";
  o << "  faults  ";
  if (r.faults.empty()) o << " none";
  for (auto& [kind, n] : r.faults) o << " " << kind << " " << n;
  o << "\n";
  o << "  network  " << r.net.requests << " requests, " << r.net.dropped << " dropped, "
    << r.net.duplicated << " duplicated, " << r.links.clogged_delays << " clogged, "
    << r.net.host_down << " to crashed hosts\n";
  auto& d = r.detection;
  o << "  members  " << d.crashes << " crashes, " << d.detected << " declared down (p50 "
    << fixed(d.p50_s, 2) << " s, p99 " << fixed(d.p99_s, 2) << " s), " << d.missed << " missed, "
    << d.false_downs << " false downs; " << r.corruptions_repaired << "/" << r.corruptions_injected
    << " corruptions repaired; repair queues "
    << (r.repair_drained_s >= 0 ? "drained after " + fixed(r.repair_drained_s, 0) + " s"
                                : std::string("not drained"))
    << "\n";
  o << "  checks\n";
  for (auto& c : r.checkers)
    o << "    " << (c.passed ? "pass " : "FAIL ") << c.name << ": " << c.detail << "\n";
  for (auto& v : r.violations) o << "    ! " << v << "\n";
  o << "  trace    " << hex64(r.trace_hash) << " (" << r.trace_events << " events)\n";
  if (r.passed())
    o << "PASS\n";
  else
    o << "FAIL: reproduce with\n  " << reproduce_command(r.options) << "\n";
  return o.str();
}

nlohmann::json to_json(const seeds_summary& s) {
  return {{"summary",
           {{"runs", s.runs},
            {"passed", s.passed},
            {"failed_seeds", s.failed_seeds},
            {"sim_seconds", s.sim_seconds},
            {"wall_seconds", s.wall_seconds},
            {"sim_real_ratio", s.wall_seconds > 0 ? s.sim_seconds / s.wall_seconds : 0}}}};
}

std::string to_text(const seeds_summary& s) {
  std::ostringstream o;
  o << s.passed << "/" << s.runs << " seeds passed, " << fixed(s.sim_seconds, 0)
    << " s simulated in " << fixed(s.wall_seconds, 1) << " s wall";
  if (!s.failed_seeds.empty()) {
    o << "; failed:";
    for (auto seed : s.failed_seeds) o << " " << seed;
  }
  o << "\n";
  return o.str();
}

}  // namespace cairn::sim_cli
