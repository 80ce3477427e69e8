// fastnet/kernels/activation.cpp — each activation's forward and derivative side by side. The switch on the
// kind sits outside the loops (one branch per call, never per element). Derivatives are written in terms of
// the layer's output y, so the backward pass needs no stored pre-activations.
#include <cmath>
#include <type_traits>

#include "kernels/kernels.h"

namespace fastnet::kernels {

namespace {
constexpr long kParallelElems = 1L << 15;
}

template <typename T>
void activation_forward(Act act, T* x, int B, int O, T alpha) {
  const long n = static_cast<long>(B) * O;
  const bool parallel = n > kParallelElems;
  switch (act) {
    case Act::Linear:
      return;
    case Act::Sigmoid:  // y = 1 / (1 + e^-z)
#pragma omp parallel for schedule(static) if (parallel)
      for (long i = 0; i < n; ++i) x[i] = T(1) / (T(1) + std::exp(-x[i]));
      return;
    case Act::Tanh:
#pragma omp parallel for schedule(static) if (parallel)
      for (long i = 0; i < n; ++i) x[i] = std::tanh(x[i]);
      return;
    case Act::Relu:
#pragma omp parallel for simd schedule(static) if (parallel)
      for (long i = 0; i < n; ++i) x[i] = x[i] > T(0) ? x[i] : T(0);
      return;
    case Act::LeakyRelu:  // y = z for z > 0, alpha·z otherwise (alpha > 0 keeps the sign, see backward)
#pragma omp parallel for simd schedule(static) if (parallel)
      for (long i = 0; i < n; ++i) x[i] = x[i] > T(0) ? x[i] : alpha * x[i];
      return;
    case Act::Softmax:  // row-wise, shifted by the row maximum so exp never overflows
#pragma omp parallel for schedule(static) if (parallel)
      for (int b = 0; b < B; ++b) {
        T* z = x + static_cast<long>(b) * O;
        T m = z[0];
        for (int o = 1; o < O; ++o) m = z[o] > m ? z[o] : m;
        T s = 0;
        for (int o = 0; o < O; ++o) {
          z[o] = std::exp(z[o] - m);
          s += z[o];
        }
        const T inv = T(1) / s;
        for (int o = 0; o < O; ++o) z[o] *= inv;
      }
      return;
  }
}

template <typename T>
void activation_backward(Act act, T* d, const T* y, std::size_t N, T alpha) {
  const long n = static_cast<long>(N);
  const bool parallel = n > kParallelElems;
  switch (act) {
    case Act::Linear:
    case Act::Softmax:  // handled with the loss (its Jacobian couples a whole row)
      return;
    case Act::Sigmoid:  // σ' = y(1 − y)
#pragma omp parallel for simd schedule(static) if (parallel)
      for (long i = 0; i < n; ++i) d[i] *= y[i] * (T(1) - y[i]);
      return;
    case Act::Tanh:  // tanh' = 1 − y²
#pragma omp parallel for simd schedule(static) if (parallel)
      for (long i = 0; i < n; ++i) d[i] *= T(1) - y[i] * y[i];
      return;
    case Act::Relu:  // y > 0 exactly where z > 0
#pragma omp parallel for simd schedule(static) if (parallel)
      for (long i = 0; i < n; ++i) d[i] = y[i] > T(0) ? d[i] : T(0);
      return;
    case Act::LeakyRelu:
#pragma omp parallel for simd schedule(static) if (parallel)
      for (long i = 0; i < n; ++i) d[i] = y[i] > T(0) ? d[i] : alpha * d[i];
      return;
  }
}

template void activation_forward<float>(Act, float*, int, int, float);
template void activation_forward<double>(Act, double*, int, int, double);
template void activation_backward<float>(Act, float*, const float*, std::size_t, float);
template void activation_backward<double>(Act, double*, const double*, std::size_t, double);

}  // namespace fastnet::kernels
