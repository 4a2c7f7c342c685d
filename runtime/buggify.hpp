#pragma once
// Fault sites inside role code, after FoundationDB's BUGGIFY. A site is a named
// condition role code asks at a point where a rare but legal behaviour can be forced
// (a slow flush, a failed write, a tiny id block):
//
//   if (buggify("storage.fail_put")) return error{errc::io_error, "buggified"};
//
// Compiled into every build and inert unless a simulation installed a
// buggify_source: buggify() is then one relaxed atomic load that returns false.
// Under simulation the source decides, deterministically from the run's seed, which
// sites are enabled for the whole run and when an enabled site fires.
#include <string_view>

namespace cairn {

class buggify_source {
 public:
  virtual ~buggify_source() = default;
  // Whether the site fires at this evaluation.
  virtual bool fire(std::string_view site) = 0;
};

// Installs `source` for the whole process; nullptr makes every site inert again.
// The simulation runs on one thread and installs its source only while it runs.
void set_buggify_source(buggify_source* source);

// False unless a source is installed and it fires `site`. `site` names the role and
// the behaviour ("meta.flush_alone"); docs/simulation.md lists every site.
bool buggify(std::string_view site);

}  // namespace cairn
