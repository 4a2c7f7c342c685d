#pragma once
// Error propagation inside meta_shard_state's .cpp files (our code does not throw).
// META_TRY(expr): returns expr's error from the enclosing function if it failed.
#define META_TRY(expr)                                               \
  do {                                                               \
    if (auto meta_try_ = (expr); !meta_try_) return meta_try_.err(); \
  } while (false)
