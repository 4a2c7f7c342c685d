#pragma once
// result<T>: a value or an error. Our code does not throw; failures travel as values.
#include <utility>
#include <variant>

#include "runtime/assert.hpp"
#include "runtime/errc.hpp"

namespace cairn {

template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::move(value)) {}
  result(error err) : v_(std::move(err)) {}
  result(errc code, std::string message = {}) : v_(error{code, std::move(message)}) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    CAIRN_ASSERT(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    CAIRN_ASSERT(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    CAIRN_ASSERT(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const error& err() const {
    CAIRN_ASSERT(!ok());
    return std::get<1>(v_);
  }
  errc code() const { return ok() ? errc::ok : err().code; }

 private:
  std::variant<T, error> v_;
};

// For operations that return nothing but may fail.
struct unit {};
using status = result<unit>;
inline status ok_status() { return unit{}; }

}  // namespace cairn
