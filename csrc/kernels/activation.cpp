// fastnet/kernels/activation.cpp — each activation's forward and derivative side by side. The switch on the
// kind sits outside the loops (one branch per call, never per element), and the loops are branch-free so they
// vectorize. Derivatives are written in terms of the layer's output y, so the backward pass needs no stored
// pre-activations.
#include <algorithm>
#include <cmath>

#include "core/parallel.h"
#include "kernels/kernels.h"

namespace fastnet::kernels {

namespace {
constexpr long kParallelElems = 1L << 14;
}

template <typename T>
void activation_forward(Act act, T* x, int B, int O, T alpha) {
  const long n = static_cast<long>(B) * O;
  const bool parallel = n > kParallelElems;
  switch (act) {
    case Act::Linear:
      return;
    case Act::Sigmoid:  // y = 1 / (1 + e^-z)
      return parallel_for(n, parallel, [=](long b, long e) {
        for (long i = b; i < e; ++i) x[i] = T(1) / (T(1) + std::exp(-x[i]));
      });
    case Act::Tanh:
      return parallel_for(n, parallel, [=](long b, long e) {
        for (long i = b; i < e; ++i) x[i] = std::tanh(x[i]);
      });
    case Act::Relu:
      return parallel_for(n, parallel, [=](long b, long e) {
        for (long i = b; i < e; ++i) x[i] = std::max(x[i], T(0));
      });
    case Act::LeakyRelu:  // y = z for z > 0, alpha·z otherwise (alpha > 0 keeps the sign, see backward)
      return parallel_for(n, parallel, [=](long b, long e) {
        for (long i = b; i < e; ++i) x[i] *= x[i] > T(0) ? T(1) : alpha;
      });
    case Act::Softmax:  // row-wise, shifted by the row maximum so exp never overflows
      return parallel_for(B, static_cast<long>(B) * O > kParallelElems, [=](long b0, long b1) {
        for (long b = b0; b < b1; ++b) {
          T* z = x + b * O;
          T m = z[0];
          for (int o = 1; o < O; ++o) m = std::max(m, z[o]);
          T s = 0;
          for (int o = 0; o < O; ++o) {
            z[o] = std::exp(z[o] - m);
            s += z[o];
          }
          const T inv = T(1) / s;
          for (int o = 0; o < O; ++o) z[o] *= inv;
        }
      });
  }
}

template <typename T>
void softmax_columns(T* zt, int O, int B) {
  parallel_for(B, static_cast<long>(B) * O > kParallelElems, [=](long b0, long b1) {
    for (long b = b0; b < b1; ++b) {
      T m = zt[b];
      for (int o = 1; o < O; ++o) m = std::max(m, zt[static_cast<long>(o) * B + b]);
      T s = 0;
      for (int o = 0; o < O; ++o) {
        T& z = zt[static_cast<long>(o) * B + b];
        z = std::exp(z - m);
        s += z;
      }
      const T inv = T(1) / s;
      for (int o = 0; o < O; ++o) zt[static_cast<long>(o) * B + b] *= inv;
    }
  });
}

template void softmax_columns<float>(float*, int, int);
template void softmax_columns<double>(double*, int, int);

namespace {
// Each derivative as a plain loop over restrict pointers with `omp simd`, so it compiles to branch-free vector
// code: a relu mask taken with a branch mispredicts on half the elements and cost 9% of a training step.
template <typename T>
void sigmoid_backward(T* __restrict d, const T* __restrict y, long n) {  // σ' = y(1 − y)
#pragma omp simd
  for (long i = 0; i < n; ++i) d[i] *= y[i] * (T(1) - y[i]);
}
template <typename T>
void tanh_backward(T* __restrict d, const T* __restrict y, long n) {  // tanh' = 1 − y²
#pragma omp simd
  for (long i = 0; i < n; ++i) d[i] *= T(1) - y[i] * y[i];
}
template <typename T>
void relu_backward(T* __restrict d, const T* __restrict y, long n) {  // y > 0 exactly where z > 0
#pragma omp simd
  for (long i = 0; i < n; ++i) d[i] = y[i] > T(0) ? d[i] : T(0);
}
template <typename T>
void leaky_backward(T* __restrict d, const T* __restrict y, long n, T alpha) {
#pragma omp simd
  for (long i = 0; i < n; ++i) d[i] = y[i] > T(0) ? d[i] : alpha * d[i];
}
}  // namespace

template <typename T>
void activation_backward(Act act, T* d, const T* y, std::size_t N, T alpha) {
  const long n = static_cast<long>(N);
  const bool parallel = n > kParallelElems;
  switch (act) {
    case Act::Linear:
    case Act::Softmax:  // handled with the loss (its Jacobian couples a whole row)
      return;
    case Act::Sigmoid:
      return parallel_for(n, parallel, [=](long b, long e) { sigmoid_backward(d + b, y + b, e - b); });
    case Act::Tanh:
      return parallel_for(n, parallel, [=](long b, long e) { tanh_backward(d + b, y + b, e - b); });
    case Act::Relu:
      return parallel_for(n, parallel, [=](long b, long e) { relu_backward(d + b, y + b, e - b); });
    case Act::LeakyRelu:
      return parallel_for(n, parallel, [=](long b, long e) { leaky_backward(d + b, y + b, e - b, alpha); });
  }
}

template void activation_forward<float>(Act, float*, int, int, float);
template void activation_forward<double>(Act, double*, int, int, double);
template void activation_backward<float>(Act, float*, const float*, std::size_t, float);
template void activation_backward<double>(Act, double*, const double*, std::size_t, double);

}  // namespace fastnet::kernels
