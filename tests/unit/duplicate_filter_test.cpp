// A request delivered twice runs once; every copy gets the first copy's answer.
#include <doctest/doctest.h>

#include "runtime/duplicate_filter.hpp"

using namespace cairn;

namespace {

envelope_header request(uint64_t correlation, uint64_t trace = 7,
                        wire::MessageKind kind = wire::MessageKind::UNLINK_REQUEST) {
  envelope_header h;
  h.source = {client_host, "client"};
  h.correlation_id = correlation;
  h.trace_id = trace;
  h.kind = kind;
  return h;
}

using filter = duplicate_filter<int>;

}  // namespace

TEST_CASE("duplicate filter: a copy while the first runs waits for its answer") {
  filter f(60000, 16);
  CHECK(f.arrive(request(1), 0, 100).state == filter::seen::first);
  CHECK(f.arrive(request(1), 5, 101).state == filter::seen::running);
  CHECK(f.answer(request(1), "ok", 10) == std::vector<int>{101});
  auto later = f.arrive(request(1), 20, 102);
  CHECK(later.state == filter::seen::answered);
  CHECK(later.reply == "ok");
}

TEST_CASE("duplicate filter: different correlation, trace or kind is a different request") {
  filter f(60000, 16);
  CHECK(f.arrive(request(1), 0, 0).state == filter::seen::first);
  CHECK(f.arrive(request(2), 0, 0).state == filter::seen::first);
  CHECK(f.arrive(request(1, 8), 0, 0).state == filter::seen::first);
  CHECK(f.arrive(request(1, 7, wire::MessageKind::LINK_REQUEST), 0, 0).state ==
        filter::seen::first);
}

TEST_CASE("duplicate filter: answers are forgotten after the window and beyond the bound") {
  filter f(1000, 2);
  for (uint64_t c = 1; c <= 3; ++c) {
    f.arrive(request(c), 0, 0);
    f.answer(request(c), "r" + std::to_string(c), 0);
  }
  CHECK(f.answered() == 2);  // the oldest went first
  CHECK(f.arrive(request(1), 10, 0).state == filter::seen::first);
  CHECK(f.arrive(request(3), 10, 0).state == filter::seen::answered);
  CHECK(f.arrive(request(3), 1000, 0).state == filter::seen::first);  // window passed
}

TEST_CASE("duplicate filter: cached answers are bounded in bytes too") {
  filter f(60000, 100, 10);
  f.arrive(request(1), 0, 0);
  f.answer(request(1), std::string(6, 'a'), 0);
  f.arrive(request(2), 0, 0);
  f.answer(request(2), std::string(6, 'b'), 0);
  CHECK(f.answered() == 1);
  CHECK(f.arrive(request(2), 1, 0).state == filter::seen::answered);
}
