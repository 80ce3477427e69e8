// fastnet/kernels/loss.cpp — losses and their gradient at the output layer's pre-activations, fused: the
// output activation's derivative is folded in here, which for softmax/sigmoid with cross-entropy gives the
// simple and well-conditioned (y − t)/B.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "kernels/kernels.h"

namespace fastnet::kernels {

namespace {
// a numerically stable logistic sigmoid (no overflow of e^−y for large negative y)
template <typename T>
T stable_sigmoid(T v) {
  if (v >= T(0)) return T(1) / (T(1) + std::exp(-v));
  const T e = std::exp(v);
  return e / (T(1) + e);
}
}  // namespace

template <typename T>
double loss_forward_backward(Loss loss, Act out_act, T alpha, const T* y, const T* z, const T* target, T* dz, int B,
                             int O, const LossOptions& opts, double* per_sample) {
  const bool categorical = loss == Loss::CrossEntropy && out_act == Act::Softmax;
  // PyTorch's reductions relative to fastnet's: MSE without its ½ (×2), and the mean over every element (÷O) where
  // PyTorch takes one (not nn.CrossEntropyLoss, which averages over the samples only)
  const double unhalve = loss == Loss::MSE ? 2.0 : 1.0;
  const double vmul = opts.reduction == Reduction::Mean   ? unhalve / (categorical ? 1.0 : static_cast<double>(O))
                      : opts.reduction == Reduction::Sum ? unhalve
                                                         : 1.0;
  // the gradient's factor on each element's derivative of fastnet's value (1/B: the batch mean; exactly today's
  // T(1)/B for the default reduction)
  const T inv_b = opts.reduction == Reduction::Fastnet ? T(1) / static_cast<T>(B)
                  : opts.reduction == Reduction::Mean  ? static_cast<T>(vmul / B)
                                                       : static_cast<T>(vmul);
  const T tiny = std::numeric_limits<T>::min();  // log(0) guard: a saturated wrong answer costs ~87 (float)
  // label smoothing (cross-entropy): t' = (1 − ε)·t + ε/K, K the classes of one distribution (softmax: O; each
  // sigmoid output is a two-class problem: 2)
  const bool smooth = loss == Loss::CrossEntropy && opts.label_smoothing > 0.0;
  const T keep = static_cast<T>(1.0 - opts.label_smoothing);
  const T spread = static_cast<T>(opts.label_smoothing / (categorical ? O : 2));
  const T delta = static_cast<T>(opts.delta);
  double total = 0.0;
  for (int b = 0; b < B; ++b) {
    const T* yr = y + static_cast<long>(b) * O;
    const T* tr = target + static_cast<long>(b) * O;
    T* dr = dz ? dz + static_cast<long>(b) * O : nullptr;
    double row = 0.0;
    if (categorical && smooth) {
      T tsum = 0;
      for (int o = 0; o < O; ++o) {
        const T t = tr[o] * keep + spread;
        row -= static_cast<double>(t) * std::log(std::max(yr[o], tiny));
        tsum += t;
      }
      if (dr)
        for (int o = 0; o < O; ++o) dr[o] = (yr[o] * tsum - (tr[o] * keep + spread)) * inv_b;
    } else if (categorical) {
      T tsum = 0;
      for (int o = 0; o < O; ++o) {
        row -= static_cast<double>(tr[o]) * std::log(std::max(yr[o], tiny));
        tsum += tr[o];
      }
      if (dr)  // d/dz of −Σ t·log softmax(z) is y·Σt − t (= y − t for a distribution)
        for (int o = 0; o < O; ++o) dr[o] = (yr[o] * tsum - tr[o]) * inv_b;
    } else if (loss == Loss::CrossEntropy) {  // sigmoid outputs: independent binary cross-entropies
      for (int o = 0; o < O; ++o) {
        const T t = smooth ? tr[o] * keep + spread : tr[o];
        row -= static_cast<double>(t) * std::log(std::max(yr[o], tiny)) +
               static_cast<double>(T(1) - t) * std::log(std::max(T(1) - yr[o], tiny));
        if (dr) dr[o] = (yr[o] - t) * inv_b;
      }
    } else if (loss == Loss::FannTanh) {
      // FANN's fann_compute_MSE: e clipped to ±0.9999999 (FANN then uses ±17 for the gradient; the loss continues
      // linearly with that slope so the two stay consistent)
      const bool sym = symmetric(out_act) && out_act != Act::Linear;  // FANN halves the error of symmetric units
      const double half = sym ? 0.5 : 1.0, lim = 0.9999999;
      for (int o = 0; o < O; ++o) {
        const double e = (static_cast<double>(yr[o]) - tr[o]) * half;
        const double a = std::min(std::fabs(e), lim);
        double value = 2 * a * std::atanh(a) + std::log1p(-a * a), grad = 2 * std::atanh(a);
        if (std::fabs(e) > lim) {
          grad = 17.0;
          value += grad * (std::fabs(e) - lim);
        }
        row += value / half;  // d/dy of (1/half)·Λ(half·(y − t)) is exactly FANN's 2·atanh(e)
        if (dr) dr[o] = static_cast<T>((e < 0 ? -grad : grad) * inv_b);
      }
    } else if (loss == Loss::Huber) {  // PyTorch's HuberLoss: quadratic within delta, linear (slope delta) beyond
      for (int o = 0; o < O; ++o) {
        const T e = yr[o] - tr[o], a = std::fabs(e);
        row += a < delta ? 0.5 * static_cast<double>(e) * static_cast<double>(e)
                         : static_cast<double>(delta) * (static_cast<double>(a) - 0.5 * static_cast<double>(delta));
        if (dr) dr[o] = (a < delta ? e : (e < T(0) ? -delta : delta)) * inv_b;
      }
    } else if (loss == Loss::L1) {  // gradient sign(e), 0 at e = 0 (as PyTorch's)
      for (int o = 0; o < O; ++o) {
        const T e = yr[o] - tr[o];
        row += std::fabs(static_cast<double>(e));
        if (dr) dr[o] = (e > T(0) ? inv_b : e < T(0) ? -inv_b : T(0));
      }
    } else if (loss == Loss::Poisson) {  // y is the log-rate: e^y − t·y, gradient e^y − t
      for (int o = 0; o < O; ++o) {
        const T r = std::exp(yr[o]);
        row += static_cast<double>(r) - static_cast<double>(tr[o]) * static_cast<double>(yr[o]);
        if (dr) dr[o] = (r - tr[o]) * inv_b;
      }
    } else if (loss == Loss::BCEWithLogits) {  // y is the logit; the stable form of −t·log σ(y) − (1−t)·log(1−σ(y))
      for (int o = 0; o < O; ++o) {
        const double v = static_cast<double>(yr[o]);
        row += std::max(v, 0.0) - static_cast<double>(tr[o]) * v + std::log1p(std::exp(-std::fabs(v)));
        if (dr) dr[o] = (stable_sigmoid(yr[o]) - tr[o]) * inv_b;
      }
    } else {  // MSE: ½ Σ (y − t)²
      for (int o = 0; o < O; ++o) {
        const T e = yr[o] - tr[o];
        row += 0.5 * static_cast<double>(e) * static_cast<double>(e);
        if (dr) dr[o] = e * inv_b;
      }
    }
    if (dr && elementwise(loss) && out_act == Act::Softmax) {  // Jacobian-vector product: dz_j = y_j (g_j − Σ_k g_k y_k)
      T dot = 0;
      for (int o = 0; o < O; ++o) dot += dr[o] * yr[o];
      for (int o = 0; o < O; ++o) dr[o] = yr[o] * (dr[o] - dot);
    }
    if (per_sample) per_sample[b] = opts.reduction == Reduction::Fastnet ? row : row * vmul;
    total += row;
  }
  if (dz && elementwise(loss) && out_act != Act::Softmax)
    activation_backward(out_act, dz, y, z, static_cast<std::size_t>(B) * O, alpha);
  return opts.reduction == Reduction::Fastnet ? total / B : total * vmul / B;
}

template <typename T>
bool all_finite(const T* x, std::size_t N) {
  using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  constexpr U exp_mask = sizeof(T) == 4 ? U(0x7f800000u) : U(0x7ff0000000000000ull);
  U bad = 0;
  for (std::size_t i = 0; i < N; ++i) {
    U bits;
    std::memcpy(&bits, x + i, sizeof bits);
    bad |= static_cast<U>((bits & exp_mask) == exp_mask);  // all exponent bits set: inf or NaN
  }
  return bad == 0;
}

template bool all_finite<float>(const float*, std::size_t);
template bool all_finite<double>(const double*, std::size_t);
template double loss_forward_backward<float>(Loss, Act, float, const float*, const float*, const float*, float*, int,
                                             int, const LossOptions&, double*);
template double loss_forward_backward<double>(Loss, Act, double, const double*, const double*, const double*,
                                              double*, int, int, const LossOptions&, double*);

}  // namespace fastnet::kernels
