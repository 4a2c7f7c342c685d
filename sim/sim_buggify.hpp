#pragma once
// The simulation's buggify source (runtime/buggify.hpp): per run, each fault site is
// enabled with probability 1/4, decided by the run's seed and the site's name alone
// (so adding a site does not change which others are on); an enabled site then fires
// at one evaluation in four, drawn from the run's stream. As in FoundationDB.
#include <cstdint>
#include <map>
#include <string>

#include "runtime/buggify.hpp"
#include "runtime/rng.hpp"

namespace cairn {

class sim_buggify final : public buggify_source {
 public:
  explicit sim_buggify(uint64_t seed) : seed_(seed), fire_(rng(seed).derive("buggify.fire")) {}
  bool fire(std::string_view site) override;

  // Times each site fired, by name.
  const std::map<std::string, uint64_t, std::less<>>& fired() const { return fired_; }

 private:
  struct site_state {
    bool enabled = false;
  };
  uint64_t seed_;
  rng fire_;
  std::map<std::string, site_state, std::less<>> sites_;
  std::map<std::string, uint64_t, std::less<>> fired_;
};

// Installs a source for the lifetime of this object.
class buggify_scope {
 public:
  explicit buggify_scope(buggify_source* source) { set_buggify_source(source); }
  ~buggify_scope() { set_buggify_source(nullptr); }
  buggify_scope(const buggify_scope&) = delete;
  buggify_scope& operator=(const buggify_scope&) = delete;
};

}  // namespace cairn
