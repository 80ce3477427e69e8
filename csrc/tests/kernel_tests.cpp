// fastnet/tests/kernel_tests.cpp — the C++ core tested without Python: every float32 kernel path this build has
// (the portable "generic" table always; avx2/avx512 where this CPU and build have them) against the float64
// specifications (the *_ref loops and the typed fronts' float64 instantiations, kernels.h) or plain loops here,
// at awkward shapes; the activations, losses, SGD and Adam updates the same way; then short training runs whose
// weights must be bit-identical at 1, 2 and 3 threads.
//
// It exists for the platforms the Python suite does not run on: scripts/arm64_check.sh cross-compiles it for
// aarch64 and runs it under qemu-user, where the generic table is NEON. tests/test_native_kernels.py builds and
// runs it natively (CMake: -DFASTNET_PYTHON=OFF -DFASTNET_KERNEL_TESTS=ON), so it cannot rot.
// Exit status 0 when every check passed; each failure prints what, where, and the two values.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/threads.h"
#include "kernels/kernels.h"
#include "kernels/update_rules.h"
#include "network.h"
#include "trainer.h"

namespace K = fastnet::kernels;
using fastnet::kernels::Act;
using fastnet::kernels::Loss;

namespace {

int g_checks = 0, g_failures = 0;
std::string g_where;  // the ISA and case being checked, printed with a failure

struct Rand {  // splitmix64: the same numbers on every platform
  uint64_t s;
  explicit Rand(uint64_t seed) : s(seed) {}
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  float sym() { return static_cast<float>(2.0 * uniform() - 1.0); }           // [-1, 1)
  std::vector<float> vec(std::size_t n, float scale = 1.f) {
    std::vector<float> v(n);
    for (auto& x : v) x = scale * sym();
    return v;
  }
};

std::vector<double> widen(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }

// |got − want| <= atol + rtol·|want| element-wise (NaN fails); reports the first mismatch and the count
void expect_close(const char* what, const float* got, const double* want, std::size_t n, double rtol, double atol) {
  ++g_checks;
  std::size_t bad = 0, first = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = std::fabs(static_cast<double>(got[i]) - want[i]);
    if (!(d <= atol + rtol * std::fabs(want[i]))) {
      if (bad++ == 0) first = i;
    }
  }
  if (bad) {
    ++g_failures;
    std::printf("FAIL %s: %s: %zu of %zu differ; first [%zu] got %.9g want %.9g (rtol %g atol %g)\n", g_where.c_str(),
                what, bad, n, first, static_cast<double>(got[first]), want[first], rtol, atol);
  }
}
void expect_close(const char* what, const std::vector<float>& got, const std::vector<double>& want, double rtol,
                  double atol) {
  if (got.size() != want.size()) {
    ++g_checks;
    ++g_failures;
    std::printf("FAIL %s: %s: sizes %zu and %zu\n", g_where.c_str(), what, got.size(), want.size());
    return;
  }
  expect_close(what, got.data(), want.data(), got.size(), rtol, atol);
}
void expect(const char* what, bool ok) {
  ++g_checks;
  if (!ok) {
    ++g_failures;
    std::printf("FAIL %s: %s\n", g_where.c_str(), what);
  }
}

// ------------------------------------------------------------------ dense GEMM: the three products, fused epilogues
// shapes straddling the register tiles (MR 4/6/8 rows × NR 8/16/32 columns), the small-batch path (B <= 8) and
// the packing blocks (K > 256, N > 512): tests/test_kernels.py's shapes and (2, 5, 3)
const int kShapes[][3] = {{1, 1, 1},     {1, 784, 30},  {2, 5, 3},      {3, 17, 5},     {8, 33, 65},
                          {9, 31, 7},    {13, 300, 129}, {64, 784, 256}, {130, 257, 600}, {37, 1030, 19}};

void test_dense(uint64_t seed) {
  for (const auto& s : kShapes) {
    const int B = s[0], I = s[1], O = s[2];
    Rand r(seed + B * 1000003ull + I * 1009ull + O);
    const auto x = r.vec((std::size_t)B * I), w = r.vec((std::size_t)O * I), b = r.vec(O), dy = r.vec((std::size_t)B * O);
    const auto x64 = widen(x), w64 = widen(w), b64 = widen(b), dy64 = widen(dy);
    const double rtol = 1e-4, atol = 1e-4 * std::sqrt((double)std::max({B, I, O}));
    g_where = K::isa_name() + " dense B=" + std::to_string(B) + " I=" + std::to_string(I) + " O=" + std::to_string(O);

    // forward with each epilogue the GEMM fuses (linear, relu, leaky relu) and one it does not (sigmoid); the
    // float64 product once (the references are scalar loops: slow under an emulator), its activations after
    std::vector<double> z64((std::size_t)B * O);
    K::dense_forward_ref<double>(z64.data(), x64.data(), w64.data(), b64.data(), B, I, O);
    for (Act act : {Act::Linear, Act::Relu, Act::LeakyRelu, Act::Sigmoid}) {
      std::vector<float> out((std::size_t)B * O, NAN);
      K::dense_forward<float>(out.data(), x.data(), w.data(), b.data(), B, I, O, act, 0.05f);
      auto ref = z64;
      K::activation_forward<double>(act, ref.data(), B, O, 0.05);
      expect_close(("forward act " + std::to_string((int)act)).c_str(), out, ref, rtol, atol);
    }
    std::vector<float> dx((std::size_t)B * I, NAN);
    std::vector<double> dx64((std::size_t)B * I);
    K::dense_backward_input<float>(dx.data(), dy.data(), w.data(), B, I, O);
    K::dense_backward_input_ref<double>(dx64.data(), dy64.data(), w64.data(), B, I, O);
    expect_close("backward_input", dx, dx64, rtol, atol);

    std::vector<float> dw((std::size_t)O * I, NAN), db(O, NAN);
    std::vector<double> dw64((std::size_t)O * I), db64(O);
    K::dense_backward_weight<float>(dw.data(), db.data(), dy.data(), x.data(), B, I, O);
    K::dense_backward_weight_ref<double>(dw64.data(), db64.data(), dy64.data(), x64.data(), B, I, O);
    expect_close("backward_weight dW", dw, dw64, rtol, atol);
    expect_close("backward_weight db", db, db64, rtol, atol);

    // the weight gradient fused with SGD (two steps, so the velocity carries over), plain and Nesterov
    for (bool nesterov : {false, true}) {
      auto wf = w, vf = r.vec((std::size_t)O * I, 0.1f), bf = b, vbf = r.vec(O, 0.1f);
      auto wd = widen(wf), vd = widen(vf), bd = widen(bf), vbd = widen(vbf);
      std::vector<float> scratch((std::size_t)O * I), dbs(O);
      for (int step = 0; step < 2; ++step) {
        K::dense_backward_weight_sgd<float>(wf.data(), vf.data(), scratch.data(), bf.data(), vbf.data(), dbs.data(),
                                            dy.data(), x.data(), B, I, O, 0.05f, 0.9f, 1e-3f, nesterov);
        // the float64 spec (dense_backward_weight_sgd<double>: the gradient, then sgd_update), with the gradient
        // computed above
        K::sgd_update<double>(wd.data(), dw64.data(), vd.data(), wd.size(), 0.05, 0.9, 1e-3, nesterov);
        K::sgd_update<double>(bd.data(), db64.data(), vbd.data(), bd.size(), 0.05, 0.9, 0.0, nesterov);
      }
      expect_close(nesterov ? "backward_weight_sgd (nesterov) weight" : "backward_weight_sgd weight", wf, wd, rtol, atol);
      expect_close(nesterov ? "backward_weight_sgd (nesterov) velocity" : "backward_weight_sgd velocity", vf, vd, rtol,
                   atol);
      expect_close("backward_weight_sgd bias", bf, bd, rtol, atol);
      expect_close("backward_weight_sgd vbias", vbf, vbd, rtol, atol);
    }
  }
}

// ------------------------------------------------------------------ SGD updates over a span and the online outer product
void test_sgd(uint64_t seed) {
  Rand r(seed);
  g_where = K::isa_name() + " sgd";
  for (std::size_t n : {1ul, 7ul, 33ul, 1003ul, 40000ul}) {  // tails of every vector width; 40000: threaded
    for (bool nesterov : {false, true}) {
      auto p = r.vec(n), g = r.vec(n), v = r.vec(n, 0.1f);
      auto p64 = widen(p), g64 = widen(g), v64 = widen(v);
      K::sgd_update<float>(p.data(), g.data(), v.data(), n, 0.1f, 0.9f, 1e-2f, nesterov);
      K::sgd_update<double>(p64.data(), g64.data(), v64.data(), n, 0.1, 0.9, 1e-2, nesterov);
      expect_close("sgd_update param", p, p64, 1e-6, 1e-6);
      expect_close("sgd_update velocity", v, v64, 1e-6, 1e-6);
    }
  }
  for (auto [I, O] : {std::pair{1, 1}, {37, 19}, {784, 30}, {5, 300}}) {
    for (bool nesterov : {false, true}) {
      auto w = r.vec((std::size_t)O * I), v = r.vec((std::size_t)O * I, 0.1f), b = r.vec(O), vb = r.vec(O, 0.1f);
      const auto dout = r.vec(O), inp = r.vec(I);
      auto w64 = widen(w), v64 = widen(v), b64 = widen(b), vb64 = widen(vb);
      K::sgd_outer_update<float>(w.data(), v.data(), b.data(), vb.data(), dout.data(), inp.data(), I, O, 0.1f, 0.5f,
                                 1e-3f, nesterov);
      const auto d64 = widen(dout), i64 = widen(inp);
      K::sgd_outer_update<double>(w64.data(), v64.data(), b64.data(), vb64.data(), d64.data(), i64.data(), I, O, 0.1,
                                  0.5, 1e-3, nesterov);
      expect_close("sgd_outer_update weight", w, w64, 1e-6, 1e-6);
      expect_close("sgd_outer_update velocity", v, v64, 1e-6, 1e-6);
      expect_close("sgd_outer_update bias", b, b64, 1e-6, 1e-6);
      expect_close("sgd_outer_update vbias", vb, vb64, 1e-6, 1e-6);
    }
  }
}

// ------------------------------------------------------------------ sparse layers (CSR forward and weight gradient,
// CSC input gradient with the layer below's derivative fused, the transposes)
struct Topology {
  std::vector<int32_t> row_ptr, col, col_ptr, row, perm;
};
Topology random_topology(Rand& r, int O, int I, double density) {
  Topology t;
  t.row_ptr.push_back(0);
  for (int o = 0; o < O; ++o) {
    if (o % 7 != 3)  // every 7th neuron has no inputs at all
      for (int i = 0; i < I; ++i)
        if (r.uniform() < density) t.col.push_back(i);
    t.row_ptr.push_back((int32_t)t.col.size());
  }
  // CSC copy: col_ptr (I+1), row (nnz), perm (CSC position -> CSR position)
  t.col_ptr.assign(I + 1, 0);
  for (int32_t c : t.col) ++t.col_ptr[c + 1];
  for (int i = 0; i < I; ++i) t.col_ptr[i + 1] += t.col_ptr[i];
  std::vector<int32_t> fill(t.col_ptr.begin(), t.col_ptr.end() - 1);
  t.row.resize(t.col.size());
  t.perm.resize(t.col.size());
  for (int o = 0; o < O; ++o)
    for (int32_t j = t.row_ptr[o]; j < t.row_ptr[o + 1]; ++j) {
      const int32_t p = fill[t.col[j]]++;
      t.row[p] = o;
      t.perm[p] = j;
    }
  return t;
}

void test_sparse(uint64_t seed) {
  const int sizes[][3] = {{1, 20, 9}, {3, 17, 33}, {8, 64, 40}, {17, 31, 70}, {64, 300, 200}, {130, 96, 48}};
  for (const auto& s : sizes) {
    const int B = s[0], I = s[1], O = s[2];
    Rand r(seed + B * 7919ull + I * 31ull + O);
    const Topology t = random_topology(r, O, I, 0.3);
    const std::size_t nnz = t.col.size();
    const auto xt = r.vec((std::size_t)I * B), w = r.vec(nnz), b = r.vec(O), dzt = r.vec((std::size_t)O * B);
    const auto xt64 = widen(xt), w64 = widen(w), b64 = widen(b), dzt64 = widen(dzt);
    const double rtol = 1e-4, atol = 1e-4 * std::sqrt((double)std::max({B, I, O}));
    g_where = K::isa_name() + " sparse B=" + std::to_string(B) + " I=" + std::to_string(I) + " O=" + std::to_string(O);

    for (Act act : {Act::Linear, Act::Relu, Act::LeakyRelu}) {
      std::vector<float> zt((std::size_t)O * B, NAN);
      std::vector<double> zt64((std::size_t)O * B);
      if (!K::csr_forward<float>(zt.data(), xt.data(), w.data(), b.data(), t.row_ptr.data(), t.col.data(), B, O, act,
                                 0.1f))
        K::activation_forward<float>(act, zt.data(), O, B, 0.1f);
      if (!K::csr_forward<double>(zt64.data(), xt64.data(), w64.data(), b64.data(), t.row_ptr.data(), t.col.data(), B,
                                  O, act, 0.1))
        K::activation_forward<double>(act, zt64.data(), O, B, 0.1);
      expect_close(("csr_forward act " + std::to_string((int)act)).c_str(), zt, zt64, rtol, atol);
    }
    std::vector<float> dw(nnz, NAN), db(O, NAN);
    std::vector<double> dw64(nnz), db64(O);
    K::csr_backward_weight<float>(dw.data(), db.data(), dzt.data(), xt.data(), t.row_ptr.data(), t.col.data(), B, O);
    K::csr_backward_weight<double>(dw64.data(), db64.data(), dzt64.data(), xt64.data(), t.row_ptr.data(),
                                   t.col.data(), B, O);
    expect_close("csr_backward_weight dw", dw, dw64, rtol, atol);
    expect_close("csr_backward_weight dbias", db, db64, rtol, atol);

    for (bool nesterov : {false, true}) {
      auto wf = w, vf = r.vec(nnz, 0.1f), bf = b, vbf = r.vec(O, 0.1f);
      auto wd = widen(wf), vd = widen(vf), bd = widen(bf), vbd = widen(vbf);
      std::vector<float> dbs(O);
      std::vector<double> dbs64(O);
      K::csr_backward_weight_sgd<float>(wf.data(), vf.data(), bf.data(), vbf.data(), dbs.data(), dzt.data(), xt.data(),
                                        t.row_ptr.data(), t.col.data(), B, O, 0.05f, 0.9f, 1e-3f, nesterov);
      K::csr_backward_weight_sgd<double>(wd.data(), vd.data(), bd.data(), vbd.data(), dbs64.data(), dzt64.data(),
                                         xt64.data(), t.row_ptr.data(), t.col.data(), B, O, 0.05, 0.9, 1e-3,
                                         nesterov);
      expect_close("csr_backward_weight_sgd w", wf, wd, rtol, atol);
      expect_close("csr_backward_weight_sgd v", vf, vd, rtol, atol);
      expect_close("csr_backward_weight_sgd bias", bf, bd, rtol, atol);
      expect_close("csr_backward_weight_sgd vbias", vbf, vbd, rtol, atol);
    }

    // input gradient, plain and gated by the layer below's relu / leaky relu (its outputs: some exact zeros)
    auto gate_y = r.vec((std::size_t)I * B);
    for (auto& y : gate_y) y = y < 0.f ? 0.f : y;
    const auto gate64 = widen(gate_y);
    for (Act gate : {Act::Linear, Act::Relu, Act::LeakyRelu}) {
      std::vector<float> dxt((std::size_t)I * B, NAN);
      std::vector<double> dxt64((std::size_t)I * B);
      const bool gated = gate != Act::Linear;
      K::csc_backward_input<float>(dxt.data(), dzt.data(), w.data(), t.col_ptr.data(), t.row.data(), t.perm.data(), B,
                                   I, gate, gated ? gate_y.data() : nullptr, 0.1f);
      K::csc_backward_input<double>(dxt64.data(), dzt64.data(), w64.data(), t.col_ptr.data(), t.row.data(),
                                    t.perm.data(), B, I, gate, gated ? gate64.data() : nullptr, 0.1);
      expect_close(("csc_backward_input gate " + std::to_string((int)gate)).c_str(), dxt, dxt64, rtol, atol);
    }

    // transposes are copies: exact
    const auto src = r.vec((std::size_t)B * I);
    std::vector<float> tr((std::size_t)I * B, NAN);
    K::transpose<float>(tr.data(), src.data(), B, I);
    bool same = true;
    for (int i = 0; i < B; ++i)
      for (int j = 0; j < I; ++j) same &= tr[(std::size_t)j * B + i] == src[(std::size_t)i * I + j];
    expect("transpose exact", same);
    std::vector<long> idx(B);
    for (auto& v : idx) v = (long)(r.next() % (uint64_t)B);
    std::vector<float> gt((std::size_t)I * B, NAN);
    K::gather_transpose<float>(gt.data(), src.data(), idx.data(), B, I);
    same = true;
    for (int c = 0; c < B; ++c)
      for (int j = 0; j < I; ++j) same &= gt[(std::size_t)j * B + c] == src[(std::size_t)idx[c] * I + j];
    expect("gather_transpose exact", same);
  }
}

// ------------------------------------------------------------------ Cascade2's sums over rows
void test_cascade_rows(uint64_t seed) {
  Rand r(seed);
  g_where = K::isa_name() + " cascade rows";
  for (auto [F, B] : {std::pair{1, 1L}, {3, 7L}, {9, 33L}, {17, 1000L}, {5, 5003L}}) {
    const long ld = B + 3;
    const auto V = r.vec((std::size_t)F * ld), wts = r.vec(F), d = r.vec(B);
    std::vector<float> sum(B, NAN), dots(F, NAN);
    std::vector<double> sum64(B, 0.0), dots64(F, 0.0);
    K::kernel_table().rows_combine(sum.data(), wts.data(), V.data(), ld, F, B);
    K::kernel_table().rows_dot(dots.data(), d.data(), V.data(), ld, F, B);
    for (int c = 0; c < F; ++c)
      for (long b = 0; b < B; ++b) {
        sum64[b] += (double)wts[c] * V[c * ld + b];
        dots64[c] += (double)d[b] * V[c * ld + b];
      }
    expect_close("rows_combine", sum, sum64, 1e-5, 1e-5 * std::sqrt((double)F));
    expect_close("rows_dot", dots, dots64, 1e-5, 1e-5 * std::sqrt((double)B));
  }
}

// ------------------------------------------------------------------ activations, softmax, losses, Adam, all_finite
// (compiled with the baseline flags, not per ISA: on aarch64 this is what the compiler made of them for NEON)
double act_ref(Act a, double z, double alpha) {  // independent formulas for the common kinds
  switch (a) {
    case Act::Linear: return z;
    case Act::Sigmoid: return 1.0 / (1.0 + std::exp(-z));
    case Act::Tanh: return std::tanh(z);
    case Act::Relu: return z > 0 ? z : 0.0;
    case Act::LeakyRelu: return z > 0 ? z : alpha * z;
    case Act::Gaussian: return std::exp(-z * z);
    case Act::Elliot: return z / 2 / (1 + std::fabs(z)) + 0.5;
    case Act::ElliotSymmetric: return z / (1 + std::fabs(z));
    case Act::SinSymmetric: return std::sin(z);
    default: return NAN;
  }
}

void test_elementwise(uint64_t seed) {
  Rand r(seed);
  const int B = 13, O = 37;  // 481 elements: not a multiple of any vector width
  const std::size_t n = (std::size_t)B * O;
  const auto z = r.vec(n, 4.f);
  const auto z64 = widen(z);
  for (int a = 0; a < K::kNumActs; ++a) {
    const Act act = static_cast<Act>(a);
    g_where = "activation " + std::to_string(a);
    auto y = z;
    auto y64 = z64;
    K::activation_forward<float>(act, y.data(), B, O, 0.1f);
    K::activation_forward<double>(act, y64.data(), B, O, 0.1);
    expect_close("forward float vs double", y, y64, 1e-5, 1e-6);
    if (!std::isnan(act_ref(act, 0.0, 0.1))) {
      std::vector<double> ind(n);
      for (std::size_t i = 0; i < n; ++i) ind[i] = act_ref(act, z64[i], 0.1);
      expect_close("forward vs formula", y, ind, 1e-5, 1e-6);
    }
    if (act == Act::Softmax) {
      bool rows_ok = true;
      for (int b = 0; b < B; ++b) {
        double s = 0, mx = -1e30;
        for (int o = 0; o < O; ++o) mx = std::max(mx, z64[b * O + o]);
        for (int o = 0; o < O; ++o) s += std::exp(z64[b * O + o] - mx);
        for (int o = 0; o < O; ++o)
          rows_ok &= std::fabs(y[b * O + o] - std::exp(z64[b * O + o] - mx) / s) < 1e-6;
      }
      expect("softmax rows", rows_ok);
      continue;
    }
    if (!K::trainable(act)) continue;
    auto d = r.vec(n);
    auto d64 = widen(d);
    K::activation_backward<float>(act, d.data(), y.data(), z.data(), n, 0.1f);
    K::activation_backward<double>(act, d64.data(), y64.data(), z64.data(), n, 0.1);
    expect_close("backward float vs double", d, d64, 1e-4, 1e-5);
  }

  // losses and their gradient at the output pre-activations
  const std::pair<Loss, Act> cases[] = {{Loss::MSE, Act::Linear},         {Loss::MSE, Act::Sigmoid},
                                        {Loss::MSE, Act::Softmax},        {Loss::CrossEntropy, Act::Softmax},
                                        {Loss::CrossEntropy, Act::Sigmoid}, {Loss::FannTanh, Act::Tanh},
                                        {Loss::FannTanh, Act::Sigmoid}};
  for (auto [loss, act] : cases) {
    g_where = "loss " + std::to_string((int)loss) + " act " + std::to_string((int)act);
    auto y = z;
    K::activation_forward<float>(act, y.data(), B, O, 0.1f);
    std::vector<float> t(n, 0.f);
    for (int b = 0; b < B; ++b) {
      if (act == Act::Softmax) {
        t[b * O + (int)(r.next() % O)] = 1.f;
      } else {
        for (int o = 0; o < O; ++o) t[b * O + o] = act == Act::Tanh ? r.sym() : (float)r.uniform();
      }
    }
    const auto y64 = widen(y), t64 = widen(t);
    std::vector<float> dz(n, NAN);
    std::vector<double> dz64(n);
    const double lf = K::loss_forward_backward<float>(loss, act, 0.1f, y.data(), z.data(), t.data(), dz.data(), B, O);
    const double ld = K::loss_forward_backward<double>(loss, act, 0.1, y64.data(), z64.data(), t64.data(), dz64.data(),
                                                       B, O);
    expect_close("loss value", std::vector<float>{(float)lf}, std::vector<double>{ld}, 1e-5, 1e-6);
    expect_close("loss gradient", dz, dz64, 1e-4, 1e-6);
    double indep = 0;  // the textbook value, for the plain cases
    for (std::size_t i = 0; i < n; ++i) {
      if (loss == Loss::MSE) indep += 0.5 * (y64[i] - t64[i]) * (y64[i] - t64[i]);
      if (loss == Loss::CrossEntropy && act == Act::Softmax) indep -= t64[i] * std::log(y64[i]);
      if (loss == Loss::CrossEntropy && act == Act::Sigmoid)
        indep -= t64[i] * std::log(y64[i]) + (1 - t64[i]) * std::log(1 - y64[i]);
    }
    if (loss != Loss::FannTanh)
      expect_close("loss vs textbook", std::vector<float>{(float)lf}, std::vector<double>{indep / B}, 1e-5, 1e-6);
  }

  // Adam / AdamW: three steps against the formulas (PyTorch's), at a length that runs threaded
  for (bool decoupled : {false, true}) {
    g_where = decoupled ? "adamw" : "adam";
    const std::size_t m = 40009;
    auto w = r.vec(m), m1 = std::vector<float>(m, 0.f), m2 = std::vector<float>(m, 0.f);
    auto w64 = widen(w), s1 = std::vector<double>(m, 0.0), s2 = std::vector<double>(m, 0.0);
    K::AdamParams p;
    p.lr = 0.01;
    const double wdec = 0.01;
    for (long step = 1; step <= 3; ++step) {
      const auto g = r.vec(m);
      K::adam_update<float>(w.data(), g.data(), m1.data(), m2.data(), m, step, p, wdec, decoupled);
      const double c1 = 1 - std::pow(p.beta1, step), c2 = 1 - std::pow(p.beta2, step);
      for (std::size_t i = 0; i < m; ++i) {
        double wi = w64[i], gi = g[i];
        if (decoupled) wi *= 1 - p.lr * wdec;
        else gi += wdec * wi;
        s1[i] = p.beta1 * s1[i] + (1 - p.beta1) * gi;
        s2[i] = p.beta2 * s2[i] + (1 - p.beta2) * gi * gi;
        w64[i] = wi - p.lr / c1 * s1[i] / (std::sqrt(s2[i]) / std::sqrt(c2) + p.eps);
      }
    }
    expect_close("weights", w, w64, 1e-5, 1e-6);
    expect_close("first moment", m1, s1, 1e-4, 1e-7);
    expect_close("second moment", m2, s2, 1e-4, 1e-8);
  }

  g_where = "all_finite";
  for (std::size_t len : {1ul, 5ul, 16ul, 37ul}) {
    std::vector<float> v(len, 1.f);
    expect("finite array", K::all_finite(v.data(), len));
    for (std::size_t at = 0; at < len; ++at) {
      for (float bad : {NAN, INFINITY, -INFINITY}) {
        v[at] = bad;
        expect("non-finite found", !K::all_finite(v.data(), len));
      }
      v[at] = 1.f;
    }
  }
}

// ------------------------------------------------------------------ training: bit-identical at 1, 2 and 3 threads
// Sizes chosen to cross the kernels' thresholds for going parallel (dense GEMM, sparse layers), yet run in well
// under a second natively.
std::vector<float> train_once(int threads, fastnet::OptKind kind, int batch_size, std::vector<double>* losses) {
  fastnet::set_num_threads(threads);
  Rand r(12345);
  const int N = batch_size == 1 ? 128 : 512, I = 64, C = 8;  // online learning: fewer samples (emulators are slow)
  std::vector<float> X = r.vec((std::size_t)N * I);
  std::vector<int32_t> labels(N);
  const auto teacher = r.vec((std::size_t)C * I);
  for (int i = 0; i < N; ++i) {  // a linear teacher: learnable, so the loss must fall
    int best = 0;
    double bv = -1e30;
    for (int c = 0; c < C; ++c) {
      double s = 0;
      for (int k = 0; k < I; ++k) s += (double)teacher[c * I + k] * X[(std::size_t)i * I + k];
      if (s > bv) bv = s, best = c;
    }
    labels[i] = best;
  }
  std::vector<fastnet::LayerConfig> layers(3);
  layers[0].in_features = I, layers[0].out_features = 128, layers[0].activation = Act::Relu;
  layers[1].kind = "sparse", layers[1].density = 0.3;
  layers[1].in_features = 128, layers[1].out_features = 128, layers[1].activation = Act::Tanh;
  layers[2].in_features = 128, layers[2].out_features = C, layers[2].activation = Act::Softmax;
  fastnet::Network<float> net(layers, Loss::CrossEntropy, 7);
  fastnet::Dataset<float> data;
  data.X = X.data();
  data.N = N;
  data.y.labels = labels.data();
  fastnet::FitOptions opts;
  opts.epochs = 3;
  opts.batch_size = batch_size;
  opts.optim.kind = kind;
  // online learning (batch 1) takes 128 times as many steps: smaller ones
  opts.optim.lr = kind == fastnet::OptKind::SGD ? (batch_size == 1 ? 0.002 : 0.05) : 0.003;
  opts.optim.momentum = kind == fastnet::OptKind::SGD ? 0.9 : 0.0;
  opts.optim.weight_decay = 1e-4;
  const auto logs = fastnet::fit<float>(net, data, nullptr, opts, fastnet::FitHook());
  if (losses)
    for (const auto& l : logs) losses->push_back(l.loss);
  return std::vector<float>(net.params(), net.params() + net.arena_size());
}

void test_training_determinism() {
  const int before = fastnet::get_num_threads();
  const std::pair<fastnet::OptKind, int> runs[] = {
      {fastnet::OptKind::SGD, 128}, {fastnet::OptKind::Adam, 128}, {fastnet::OptKind::SGD, 1}};
  for (auto [kind, batch] : runs) {
    g_where = K::isa_name() + " training opt " + std::to_string((int)kind) + " batch " + std::to_string(batch);
    std::vector<double> losses;
    const auto one = train_once(1, kind, batch, &losses);
    expect("three epochs logged", losses.size() == 3);
    const bool falls = losses.size() == 3 && std::isfinite(losses[2]) && losses[2] < 0.9 * losses[0];
    expect("the loss falls", falls);
    if (!falls)
      for (double l : losses) std::printf("  epoch loss %g\n", l);
    for (int threads : {2, 3}) {
      const auto many = train_once(threads, kind, batch, nullptr);
      expect(("weights bit-identical at 1 and " + std::to_string(threads) + " threads").c_str(),
             one.size() == many.size() && std::memcmp(one.data(), many.data(), one.size() * sizeof(float)) == 0);
    }
  }
  fastnet::set_num_threads(before);
}

// ------------------------------------------------------------------ denormals: flushed while training (as on x86,
// FTZ|DAZ, so on aarch64 FPCR.FZ), on the calling thread and the OpenMP workers, and the mode restored after
void test_flush_denormals() {
#if defined(__x86_64__) || defined(__SSE__) || defined(__aarch64__)
  g_where = "denormals";
  const int before_threads = fastnet::get_num_threads();
  fastnet::set_num_threads(2);
  volatile float tiny = 1e-38f, ten = 10.f;  // 1e-38 is normal (FLT_MIN ~1.18e-38), a tenth of it is not
  expect("a denormal result outside the scope", tiny / ten != 0.f);
  {
    fastnet::ScopedFlushDenormals ftz;
    expect("flushed to zero inside the scope", tiny / ten == 0.f);
    int flushed = 0, team = 1;
#ifdef _OPENMP
#pragma omp parallel num_threads(2) reduction(+ : flushed)
    {
      flushed += tiny / ten == 0.f;
#pragma omp single
      team = omp_get_num_threads();
    }
#else
    flushed = tiny / ten == 0.f;
#endif
    expect("flushed on every OpenMP worker", flushed == team);
  }
  expect("the mode restored after the scope", tiny / ten != 0.f);
  fastnet::set_num_threads(before_threads);
#endif
}

// the seconds a test section took (printed, so a slow emulator run shows where its time goes; never asserted)
template <class F>
void timed(const char* name, F f) {
  const auto t0 = std::chrono::steady_clock::now();
  const int before = g_failures;
  f();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("  %-12s %-7s %.2f s\n", name, g_failures == before ? "ok" : "FAILED", s);
}

}  // namespace

// usage: fastnet_kernel_tests [ISA...]   (default: every ISA this CPU and build have)
int main(int argc, char** argv) {
  std::vector<std::string> isas = K::available_isas();
  if (argc > 1) isas.assign(argv + 1, argv + argc);
  std::printf("fastnet kernel tests: available ISAs");
  for (const auto& isa : K::available_isas()) std::printf(" %s", isa.c_str());
  std::printf("; OpenMP %s, %d threads by default\n", fastnet::openmp_enabled() ? "on" : "off",
              fastnet::get_num_threads());
  const std::string active = K::isa_name();
  for (const auto& isa : isas) {
    try {
      K::set_isa(isa);
    } catch (const std::exception& e) {
      std::printf("FAIL %s\n", e.what());
      return 2;
    }
    std::printf("%s:\n", isa.c_str());
    timed("dense", [] { test_dense(1); });
    timed("sgd", [] { test_sgd(2); });
    timed("sparse", [] { test_sparse(3); });
    timed("cascade", [] { test_cascade_rows(4); });
    timed("training", [] { test_training_determinism(); });
  }
  K::set_isa(active);
  std::printf("ISA-independent (%s):\n", active.c_str());
  timed("elementwise", [] { test_elementwise(5); });
  timed("denormals", [] { test_flush_denormals(); });
  std::printf("%d checks, %d failed\n", g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}
