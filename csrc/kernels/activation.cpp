// fastnet/kernels/activation.cpp — each activation's forward and derivative side by side. The switch on the
// kind sits outside the loops (one branch per call, never per element), and the loops are branch-free so they
// vectorize. Derivatives are written in terms of the layer's output y where f' is a function of y, so most
// layers keep no pre-activations; FANN's Gaussian, sin and cos kinds need z (needs_preactivation in kernels.h).
//
// FANN's functions (kernels.h lists them) are FANN 2.2's fann_activation_switch at steepness 1. Their
// derivatives here are the exact ones; FANN's fann_activation_derived differs in two places: it clips y of the
// Elliot kinds before using |sum| (a no-op for the formula it then uses) and it returns the slope 1 for the
// linear_piece kinds also where they are flat (fastnet: 0 there, the true derivative, which the finite-difference
// checks confirm).
#include <algorithm>
#include <cmath>

#include "core/parallel.h"
#include "kernels/kernels.h"

namespace fastnet::kernels {

namespace {
constexpr long kParallelElems = 1L << 14;

// x[i] = f(x[i]) over n elements, split across threads when parallel
template <typename T, class F>
void map(long n, bool parallel, T* x, F f) {
  parallel_for(n, parallel, [=](long b, long e) {
    for (long i = b; i < e; ++i) x[i] = f(x[i]);
  });
}

// d[i] *= g(v[i]) over n elements (v: the outputs y or the pre-activations z, as g needs)
template <typename T, class G>
void scale_by(long n, bool parallel, T* d, const T* v, G g) {
  parallel_for(n, parallel, [=](long b, long e) {
    for (long i = b; i < e; ++i) d[i] *= g(v[i]);
  });
}
}

namespace {
// FANN 2.2's stepwise functions (fann_activation.h: fann_stepwise, fann_linear_func), of FANN's v = s·sum: the
// constants are double literals there and `sum` is promoted, so FANN computes them in double and rounds the
// result to fann_type once; so do these. Left of v[0] the value is lo, from v[5] on hi (FANN's function jumps
// there: from 0 to 0.005 and from 0.995 to 1 for the sigmoid).
struct Stepwise {
  double v[6], r[6], lo, hi;
};
constexpr Stepwise kSigmoidStepwise = {
    {-2.64665246009826660156e+00, -1.47221946716308593750e+00, -5.49306154251098632812e-01,
     5.49306154251098632812e-01, 1.47221934795379638672e+00, 2.64665293693542480469e+00},
    {4.99999988824129104614e-03, 5.00000007450580596924e-02, 2.50000000000000000000e-01,
     7.50000000000000000000e-01, 9.49999988079071044922e-01, 9.95000004768371582031e-01},
    0.0, 1.0};
constexpr Stepwise kSigmoidSymmetricStepwise = {
    {-2.64665293693542480469e+00, -1.47221934795379638672e+00, -5.49306154251098632812e-01,
     5.49306154251098632812e-01, 1.47221934795379638672e+00, 2.64665293693542480469e+00},
    {-9.90000009536743164062e-01, -8.99999976158142089844e-01, -5.00000000000000000000e-01,
     5.00000000000000000000e-01, 8.99999976158142089844e-01, 9.90000009536743164062e-01},
    -1.0, 1.0};

// the segment of v: -1 left of v[0], 5 from v[5] on, else i with v[i] <= v < v[i+1] (FANN's comparisons)
inline int segment(const Stepwise& f, double v) {
  if (v < f.v[4]) {
    if (v < f.v[2]) return v < f.v[1] ? (v < f.v[0] ? -1 : 0) : 1;
    return v < f.v[3] ? 2 : 3;
  }
  return v < f.v[5] ? 4 : 5;
}
inline double stepwise(const Stepwise& f, double v) {
  const int i = segment(f, v);
  if (i < 0) return f.lo;
  if (i > 4) return f.hi;
  return (((f.r[i + 1] - f.r[i]) * (v - f.v[i])) / (f.v[i + 1] - f.v[i])) + f.r[i];
}
// d stepwise / dv: the segment's slope, 0 outside (and at the jumps' far side)
inline double stepwise_slope(const Stepwise& f, double v) {
  const int i = segment(f, v);
  if (i < 0 || i > 4) return 0.0;
  return (f.r[i + 1] - f.r[i]) / (f.v[i + 1] - f.v[i]);
}
}  // namespace

template <typename T>
void activation_forward(Act act, T* x, int B, int O, T alpha) {
  const long n = static_cast<long>(B) * O;
  const bool parallel = n > kParallelElems;
  switch (act) {
    case Act::Linear:
      return;
    case Act::Sigmoid:  // y = 1 / (1 + e^-z)
    case Act::FannSigmoid:
      return parallel_for(n, parallel, [=](long b, long e) {
        for (long i = b; i < e; ++i) x[i] = T(1) / (T(1) + std::exp(-x[i]));
      });
    case Act::Tanh:
    case Act::FannSigmoidSymmetric:
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
    case Act::Threshold:  // FANN: z < 0 ? 0 : 1
      return map(n, parallel, x, [](T z) { return z < T(0) ? T(0) : T(1); });
    case Act::ThresholdSymmetric:
      return map(n, parallel, x, [](T z) { return z < T(0) ? T(-1) : T(1); });
    case Act::Gaussian:  // e^(−z²)
      return map(n, parallel, x, [](T z) { return std::exp(-z * z); });
    case Act::GaussianSymmetric:
      return map(n, parallel, x, [](T z) { return std::exp(-z * z) * T(2) - T(1); });
    case Act::Elliot:  // FANN's fast sigmoid: z/2 / (1 + |z|) + ½
      return map(n, parallel, x, [](T z) { return (z / T(2)) / (T(1) + std::fabs(z)) + T(0.5); });
    case Act::ElliotSymmetric:
      return map(n, parallel, x, [](T z) { return z / (T(1) + std::fabs(z)); });
    case Act::LinearPiece:
      return map(n, parallel, x, [](T z) { return z < T(0) ? T(0) : (z > T(1) ? T(1) : z); });
    case Act::LinearPieceSymmetric:
      return map(n, parallel, x, [](T z) { return z < T(-1) ? T(-1) : (z > T(1) ? T(1) : z); });
    case Act::Sin:
      return map(n, parallel, x, [](T z) { return std::sin(z) / T(2) + T(0.5); });
    case Act::SinSymmetric:
      return map(n, parallel, x, [](T z) { return std::sin(z); });
    case Act::Cos:
      return map(n, parallel, x, [](T z) { return std::cos(z) / T(2) + T(0.5); });
    case Act::CosSymmetric:
      return map(n, parallel, x, [](T z) { return std::cos(z); });
    case Act::SigmoidStepwise:  // FANN's of v = z/2 (exact: z = 2·v when FANN's steepness s is fastnet's 2s)
    case Act::FannSigmoidStepwise:
      return map(n, parallel, x, [](T z) { return static_cast<T>(stepwise(kSigmoidStepwise, double(z) * 0.5)); });
    case Act::SigmoidSymmetricStepwise:
    case Act::FannSigmoidSymmetricStepwise:
      return map(n, parallel, x, [](T z) { return static_cast<T>(stepwise(kSigmoidSymmetricStepwise, double(z))); });
    case Act::GaussianStepwise:  // FANN 2.2's fann_run: 0 (its fann_activation_switch has no formula for it)
      return map(n, parallel, x, [](T) { return T(0); });
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

double fann_stepwise(bool symmetric, double v) {
  return stepwise(symmetric ? kSigmoidSymmetricStepwise : kSigmoidStepwise, v);
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
void activation_backward(Act act, T* d, const T* y, const T* z, std::size_t N, T alpha) {
  const long n = static_cast<long>(N);
  const bool parallel = n > kParallelElems;
  switch (act) {
    case Act::Threshold:  // f' = 0 where it exists (networks check trainable() before training)
    case Act::ThresholdSymmetric:
    case Act::GaussianStepwise:
      return parallel_for(n, parallel, [=](long b, long e) { std::fill(d + b, d + e, T(0)); });
    case Act::Gaussian:  // f' = −2z·e^(−z²) = −2z·y
      return parallel_for(n, parallel, [=](long b, long e) {
        for (long i = b; i < e; ++i) d[i] *= T(-2) * z[i] * y[i];
      });
    case Act::GaussianSymmetric:  // f' = −4z·e^(−z²) = −2z·(y + 1)
      return parallel_for(n, parallel, [=](long b, long e) {
        for (long i = b; i < e; ++i) d[i] *= T(-2) * z[i] * (y[i] + T(1));
      });
    case Act::Elliot:  // f' = 1 / (2(1+|z|)²), and 1/(1+|z|) = 1 − 2|y − ½|
      return scale_by(n, parallel, d, y, [](T v) {
        const T r = T(1) - T(2) * std::fabs(v - T(0.5));
        return r * r / T(2);
      });
    case Act::ElliotSymmetric:  // f' = 1 / (1+|z|)², and 1/(1+|z|) = 1 − |y|
      return scale_by(n, parallel, d, y, [](T v) {
        const T r = T(1) - std::fabs(v);
        return r * r;
      });
    case Act::LinearPiece:  // 1 strictly inside the ramp, 0 where clamped
      return scale_by(n, parallel, d, y, [](T v) { return v > T(0) && v < T(1) ? T(1) : T(0); });
    case Act::LinearPieceSymmetric:
      return scale_by(n, parallel, d, y, [](T v) { return v > T(-1) && v < T(1) ? T(1) : T(0); });
    case Act::Sin:
      return scale_by(n, parallel, d, z, [](T v) { return std::cos(v) / T(2); });
    case Act::SinSymmetric:
      return scale_by(n, parallel, d, z, [](T v) { return std::cos(v); });
    case Act::Cos:
      return scale_by(n, parallel, d, z, [](T v) { return -std::sin(v) / T(2); });
    case Act::CosSymmetric:
      return scale_by(n, parallel, d, z, [](T v) { return -std::sin(v); });
    case Act::SigmoidStepwise:  // the segment's slope (FANN's fann_activation_derived uses the sigmoid's instead)
      return scale_by(n, parallel, d, z,
                      [](T v) { return static_cast<T>(stepwise_slope(kSigmoidStepwise, double(v) * 0.5) * 0.5); });
    case Act::SigmoidSymmetricStepwise:
      return scale_by(n, parallel, d, z,
                      [](T v) { return static_cast<T>(stepwise_slope(kSigmoidSymmetricStepwise, double(v))); });
    case Act::Linear:
    case Act::Softmax:  // handled with the loss (its Jacobian couples a whole row)
      return;
    case Act::Sigmoid:
      return parallel_for(n, parallel, [=](long b, long e) { sigmoid_backward(d + b, y + b, e - b); });
    case Act::FannSigmoid:  // FANN's derivative: from y clipped to [0.01, 0.99] (a saturated unit keeps a slope)
    case Act::FannSigmoidStepwise:  // (FANN trains its stepwise sigmoid with the sigmoid's derivative)
      return scale_by(n, parallel, d, y, [](T v) {
        const T c = std::min(std::max(v, T(0.01)), T(0.99));
        return c * (T(1) - c);
      });
    case Act::FannSigmoidSymmetric:  // from y clipped to [−0.98, 0.98]
    case Act::FannSigmoidSymmetricStepwise:
      return scale_by(n, parallel, d, y, [](T v) {
        const T c = std::min(std::max(v, T(-0.98)), T(0.98));
        return T(1) - c * c;
      });
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
template void activation_backward<float>(Act, float*, const float*, const float*, std::size_t, float);
template void activation_backward<double>(Act, double*, const double*, const double*, std::size_t, double);

}  // namespace fastnet::kernels
