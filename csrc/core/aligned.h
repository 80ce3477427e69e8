// fastnet/core/aligned.h — a zero-filled, 64-byte aligned array: the arenas, workspaces and layer scratch.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#ifdef _WIN32
#include <malloc.h>
#endif

namespace fastnet {

// 64-byte aligned allocation: C++17's std::aligned_alloc, which the Windows C runtime lacks (it has
// _aligned_malloc, whose blocks must go back through _aligned_free)
inline void* aligned_malloc64(std::size_t bytes) {
#ifdef _WIN32
  return _aligned_malloc(bytes, 64);
#else
  return std::aligned_alloc(64, bytes);
#endif
}
inline void aligned_free(void* p) {
#ifdef _WIN32
  _aligned_free(p);
#else
  std::free(p);
#endif
}

template <typename T>
class AlignedBuffer {
 public:
  // zero-filled, 64-byte aligned; discards contents; throws std::bad_alloc (MemoryError) if it cannot
  void resize(std::size_t n) {
    ptr_.reset();
    n_ = 0;
    if (n == 0) return;
    if (n > (std::numeric_limits<std::size_t>::max() - 64) / sizeof(T)) throw std::bad_alloc();
    const std::size_t bytes = (n * sizeof(T) + 63) / 64 * 64;
    T* p = static_cast<T*>(aligned_malloc64(bytes));
    if (!p) throw std::bad_alloc();
    std::memset(static_cast<void*>(p), 0, bytes);
    ptr_.reset(p);
    n_ = n;
  }
  T* data() { return ptr_.get(); }
  const T* data() const { return ptr_.get(); }
  std::size_t size() const { return n_; }

 private:
  struct Free {
    void operator()(T* p) const { aligned_free(p); }
  };
  std::unique_ptr<T, Free> ptr_;
  std::size_t n_ = 0;
};

}  // namespace fastnet
