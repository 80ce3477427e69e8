// fastnet/kernels/dispatch.cpp — chooses the float32 kernel table once, at first use: the best ISA this CPU
// (and its OS) supports, or the one named by FASTNET_ISA=generic|avx2|avx512. set_isa() switches it
// explicitly (tests run every path). Also owns the GEMM's per-thread packing buffers.
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "core/errors.h"
#include "core/aligned.h"
#include "kernels/kernels.h"

namespace fastnet::kernels {

namespace isa_generic {
extern const KernelTable kTable;
}
#ifdef FASTNET_HAVE_X86_KERNELS
namespace isa_avx2 {
extern const KernelTable kTable;
}
namespace isa_avx512 {
extern const KernelTable kTable;
}
#endif

namespace {

std::vector<const KernelTable*> supported_tables() {
  std::vector<const KernelTable*> out;
#ifdef FASTNET_HAVE_X86_KERNELS
  __builtin_cpu_init();
  // libgcc's checks include the OS's XSAVE support for the wider registers
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq"))
    out.push_back(&isa_avx512::kTable);
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) out.push_back(&isa_avx2::kTable);
#endif
  out.push_back(&isa_generic::kTable);
  return out;
}

const KernelTable* find_table(const std::string& name) {
  for (const KernelTable* t : supported_tables())
    if (name == t->isa) return t;
  return nullptr;
}

const KernelTable* initial_table() {
  const char* env = std::getenv("FASTNET_ISA");
  if (env && *env) {
    if (const KernelTable* t = find_table(env)) return t;
    // An unusable request must not crash at import: fall back to the best path, and say so once.
    std::fprintf(stderr, "fastnet: FASTNET_ISA=%s is not available on this CPU; using %s\n", env,
                 supported_tables().front()->isa);
  }
  return supported_tables().front();
}

const KernelTable*& active() {
  static const KernelTable* table = initial_table();
  return table;
}

}  // namespace

const KernelTable& kernel_table() { return *active(); }

std::vector<std::string> available_isas() {
  std::vector<std::string> names;
  for (const KernelTable* t : supported_tables()) names.emplace_back(t->isa);
  return names;
}

void set_isa(const std::string& name) {
  const KernelTable* t = find_table(name);
  if (!t) {
    std::string accepted;
    for (const auto& n : available_isas()) accepted += (accepted.empty() ? "" : ", ") + n;
    throw std::invalid_argument("isa '" + name + "' is not available on this CPU; available: " + accepted);
  }
  active() = t;
}

std::string isa_name() { return kernel_table().isa; }

// ---- packing buffers: one 64-byte aligned block per calling thread (two Python threads may train two
// networks at once), split into one slice per OpenMP worker; grown, never shrunk, outside parallel regions.
namespace {
struct FreeDeleter {
  void operator()(float* p) const { aligned_free(p); }
};
}  // namespace

float* reserve_pack_buffers(int nthreads, std::size_t floats_per_thread) {
  thread_local std::unique_ptr<float, FreeDeleter> block;
  thread_local std::size_t capacity = 0;
  const std::size_t stride = (floats_per_thread + 15) / 16 * 16;  // keep each slice 64-byte aligned
  const std::size_t want = stride * static_cast<std::size_t>(nthreads);
  if (want > capacity) {
    block.reset();
    auto* p = static_cast<float*>(aligned_malloc64(want * sizeof(float)));
    if (!p) throw std::bad_alloc();
    block.reset(p);
    capacity = want;
  }
  return block.get();
}

}  // namespace fastnet::kernels
