#pragma once
// Invariant checks that stay on in release builds. For programmer errors only:
// bad input from the network or disk is an errc, never an assertion.
#include <cstdio>
#include <cstdlib>

#define CAIRN_ASSERT(cond)                                                              \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (false)
