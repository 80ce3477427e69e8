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

template <typename T>
double loss_forward_backward(Loss loss, Act out_act, T alpha, const T* y, const T* z, const T* target, T* dz, int B,
                             int O) {
  const T inv_b = T(1) / static_cast<T>(B);
  const T tiny = std::numeric_limits<T>::min();  // log(0) guard: a saturated wrong answer costs ~87 (float)
  double total = 0.0;
  for (int b = 0; b < B; ++b) {
    const T* yr = y + static_cast<long>(b) * O;
    const T* tr = target + static_cast<long>(b) * O;
    T* dr = dz ? dz + static_cast<long>(b) * O : nullptr;
    double row = 0.0;
    if (loss == Loss::CrossEntropy && out_act == Act::Softmax) {
      T tsum = 0;
      for (int o = 0; o < O; ++o) {
        row -= static_cast<double>(tr[o]) * std::log(std::max(yr[o], tiny));
        tsum += tr[o];
      }
      if (dr)  // d/dz of −Σ t·log softmax(z) is y·Σt − t (= y − t for a distribution)
        for (int o = 0; o < O; ++o) dr[o] = (yr[o] * tsum - tr[o]) * inv_b;
    } else if (loss == Loss::CrossEntropy) {  // sigmoid outputs: independent binary cross-entropies
      for (int o = 0; o < O; ++o) {
        row -= static_cast<double>(tr[o]) * std::log(std::max(yr[o], tiny)) +
               static_cast<double>(T(1) - tr[o]) * std::log(std::max(T(1) - yr[o], tiny));
        if (dr) dr[o] = (yr[o] - tr[o]) * inv_b;
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
    } else {  // MSE: ½ Σ (y − t)²
      for (int o = 0; o < O; ++o) {
        const T e = yr[o] - tr[o];
        row += 0.5 * static_cast<double>(e) * static_cast<double>(e);
        if (dr) dr[o] = e * inv_b;
      }
      if (dr && out_act == Act::Softmax) {  // Jacobian-vector product: dz_j = y_j (g_j − Σ_k g_k y_k)
        T dot = 0;
        for (int o = 0; o < O; ++o) dot += dr[o] * yr[o];
        for (int o = 0; o < O; ++o) dr[o] = yr[o] * (dr[o] - dot);
      }
    }
    total += row;
  }
  if (dz && (loss == Loss::MSE || loss == Loss::FannTanh) && out_act != Act::Softmax)
    activation_backward(out_act, dz, y, z, static_cast<std::size_t>(B) * O, alpha);
  return total / B;
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
                                             int);
template double loss_forward_backward<double>(Loss, Act, double, const double*, const double*, const double*,
                                              double*, int, int);

}  // namespace fastnet::kernels
