// The storage node's shell: the new-disk notice. A node that starts with an empty store
// (a replaced or wiped disk) tells every meta shard, which stop counting the replicas
// they list on this host and queue them for repair: otherwise a host that came back
// before the failure detectors declared it down would keep replicas that exist only in
// the metadata. Each shard answers once its walk is over; unanswered notices are sent
// again every announce_retry_ms.
#include "actors/storage_node/storage_node_shell.hpp"
#include "runtime/net/registry.hpp"

namespace cairn {
namespace {

constexpr int64_t announce_retry_ms = 5000;
// A shard answers after walking the host's whole index: allow for a large one.
constexpr auto announce_timeout = std::chrono::seconds(60);

void on_answer(storage_actor* self, shard_id shard, const status& answer) {
  auto& st = self->state;
  st.wipe_asking.erase(shard);
  if (!answer) {
    st.log->info("trace=0000000000000000 new-disk notice to shard {} failed, retrying: {}", shard,
                 answer.err().to_string());
    return;
  }
  st.wipe_unconfirmed.erase(shard);
  if (st.wipe_unconfirmed.empty())
    st.log->info("trace=0000000000000000 every meta shard knows host {} has a new disk",
                 st.opt.host);
}

}  // namespace

void announce_if_empty(storage_actor* self) {
  auto& st = self->state;
  if (st.opt.shard_hosts.empty() || st.store->stats().chunks != 0) return;
  for (shard_id s = 0; s < st.opt.shard_hosts.size(); ++s) st.wipe_unconfirmed.insert(s);
  st.log->info("trace=0000000000000000 host {} starts with an empty store: telling {} meta shards",
               st.opt.host, st.wipe_unconfirmed.size());
}

void announce_if_due(storage_actor* self) {
  auto& st = self->state;
  if (st.wipe_unconfirmed.empty() || now_ms(self) < st.wipe_due_ms) return;
  st.wipe_due_ms = now_ms(self) + announce_retry_ms;
  for (shard_id s : st.wipe_unconfirmed) {
    if (st.wipe_asking.count(s) || s >= st.opt.shard_hosts.size()) continue;
    address to{st.opt.shard_hosts[s], meta_actor_name(s)};
    auto target = st.reg->find(to);
    if (!target) continue;  // the next round tries again
    st.wipe_asking.insert(s);
    auto frame = make_host_wiped_request(
        envelope_header{st.self_address, to, ++st.next_correlation, 0, 0, {}}, st.opt.host);
    self->request(*target, announce_timeout, envelope_atom::value, std::move(frame))
        .then([self, s](std::string& reply) { on_answer(self, s, read_host_wiped_reply(reply)); },
              [self, s](caf::error& err) {
                on_answer(self, s, error{errc::unavailable, self->system().render(err)});
              });
  }
}

}  // namespace cairn
