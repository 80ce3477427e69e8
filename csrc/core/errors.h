// fastnet/core/errors.h — the library's exception types and the FASTNET_CHECK macro.
// C++ throws; bindings.cpp maps std::invalid_argument -> ValueError, IoError -> OSError.
// Never thrown from inside an OpenMP region (that would end the process): validate first.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace fastnet {

struct IoError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

namespace detail {
template <typename... Args>
std::string concat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
}  // namespace detail
}  // namespace fastnet

// FASTNET_CHECK(cond, "name the argument, the value received", " and what is accepted")
#define FASTNET_CHECK(cond, ...)                                            \
  do {                                                                      \
    if (!(cond)) throw std::invalid_argument(::fastnet::detail::concat(__VA_ARGS__)); \
  } while (0)
