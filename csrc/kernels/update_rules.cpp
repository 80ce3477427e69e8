// fastnet/kernels/update_rules.cpp — see update_rules.h. Plain loops: each rule is memory-bound (a few flops
// per element over four arrays) and GCC vectorizes the branch-free ones; the spans are split across threads.
#include "kernels/update_rules.h"

#include <algorithm>
#include <cmath>

#include "core/parallel.h"

namespace fastnet::kernels {

namespace {
constexpr long kParallelMin = 1L << 15;  // elements below which a thread team costs more than it saves

template <typename T>
T clip_weight(T w) {
  const T lim = static_cast<T>(kFannWeightLimit);
  return w > lim ? lim : (w < -lim ? -lim : w);
}

// uniform in [0, 1) from (key, i): splitmix64 of their mix
double hash_uniform(uint64_t key, uint64_t i) {
  uint64_t z = key + (i + 1) * 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}
}  // namespace

template <typename T>
void adam_update(T* w, const T* g, T* m, T* v, std::size_t n, long t, const AdamParams& p, double weight_decay,
                 bool decoupled) {
  // PyTorch's single-tensor Adam/AdamW operation for operation: each constant is formed in double (Python
  // floats) and rounded to T once, where PyTorch hands it to a tensor op. Forming 1 − β₂ from a float β₂ instead
  // gives 0.00099998713 for 0.001, a bias of 1.3e-5 in every v (6.4e-6 in every step) that PyTorch does not have.
  const double w1d = 1.0 - p.beta1;
  const bool lerp_low = std::abs(w1d) < 0.5;  // ATen's lerp takes two forms, by the size of the weight
  const T w1 = static_cast<T>(w1d), w1c = T(1) - w1;
  const T b2 = static_cast<T>(p.beta2), one_minus_b2 = static_cast<T>(1.0 - p.beta2);
  const T eps = static_cast<T>(p.eps);
  const T l2 = decoupled ? T(0) : static_cast<T>(weight_decay);                    // grad.add(param, alpha=wd)
  const T shrink = static_cast<T>(decoupled ? 1.0 - p.lr * weight_decay : 1.0);    // param.mul_(1 − lr·wd)
  const double c1 = 1.0 - std::pow(p.beta1, static_cast<double>(t));
  const double c2 = 1.0 - std::pow(p.beta2, static_cast<double>(t));
  const T neg_step = static_cast<T>(-(p.lr / c1)), sqrt_c2 = static_cast<T>(std::sqrt(c2));
  parallel_for(static_cast<long>(n), static_cast<long>(n) >= kParallelMin, [&](long i0, long i1) {
    for (long i = i0; i < i1; ++i) {
      const T wi = decoupled ? w[i] * shrink : w[i];
      const T gi = decoupled ? g[i] : g[i] + l2 * wi;
      const T mi = lerp_low ? m[i] + w1 * (gi - m[i]) : gi - (gi - m[i]) * w1c;  // m.lerp_(g, 1 − β₁)
      const T vi = v[i] * b2 + one_minus_b2 * gi * gi;  // v.mul_(β₂).addcmul_(g, g, value=1 − β₂)
      m[i] = mi;
      v[i] = vi;
      w[i] = wi + neg_step * mi / (std::sqrt(vi) / sqrt_c2 + eps);  // p.addcdiv_(m, √v/√c₂ + ε, value=−lr/c₁)
    }
  });
}

template <typename T>
void irprop_minus_update(T* w, const T* g, T* prev_g, T* step, std::size_t n, const RpropParams& p) {
  const T inc = static_cast<T>(p.increase_factor), dec = static_cast<T>(p.decrease_factor);
  const T dmin = static_cast<T>(p.delta_min), dmax = static_cast<T>(p.delta_max);
  const bool zero_up = p.fann_zero_slope;
  parallel_for(static_cast<long>(n), static_cast<long>(n) >= kParallelMin, [&](long i0, long i1) {
    for (long i = i0; i < i1; ++i) {
      const T prev_step = std::max(step[i], T(0.0001));  // FANN: a zero step would stop training for good
      T gi = g[i];
      T next;
      if (prev_g[i] * gi >= T(0)) {
        next = std::min(prev_step * inc, dmax);
      } else {  // the minimum was jumped over: shrink, and do not adapt again next epoch (the "−" of iRPROP−)
        next = std::max(prev_step * dec, dmin);
        gi = T(0);
      }
      // a zero slope: iRPROP− leaves the weight; FANN 2.2 (fann_zero_slope) moves it up by `next`
      if (gi > T(0))
        w[i] = clip_weight(w[i] - next);
      else if (gi < T(0) || zero_up)
        w[i] = clip_weight(w[i] + next);
      step[i] = next;
      prev_g[i] = gi;
    }
  });
}

template <typename T>
void quickprop_update(T* w, const T* g, T* prev_slope, T* prev_step, std::size_t n, long num_data,
                      const QuickpropParams& p) {
  // FANN's fann_update_weights_quickprop in FANN's sign (slope = −gradient, steps added to w)
  const T epsilon = static_cast<T>(p.lr / static_cast<double>(std::max(num_data, 1L)));
  const T decay = static_cast<T>(p.decay), mu = static_cast<T>(p.mu);
  const T shrink = static_cast<T>(p.mu / (1.0 + p.mu));
  parallel_for(static_cast<long>(n), static_cast<long>(n) >= kParallelMin, [&](long i0, long i1) {
    for (long i = i0; i < i1; ++i) {
      const T wi = w[i], ps = prev_step[i], pslope = prev_slope[i];
      const T slope = -g[i] + decay * wi;
      T next = T(0);
      if (ps > T(0.001)) {  // last step was positive
        if (slope > T(0)) next += epsilon * slope;
        if (slope > shrink * pslope)
          next += mu * ps;  // the maximum step the growth factor allows
        else
          next += ps * slope / (pslope - slope);  // the parabola's minimum
      } else if (ps < T(-0.001)) {
        if (slope < T(0)) next += epsilon * slope;
        if (slope < shrink * pslope)
          next += mu * ps;
        else
          next += ps * slope / (pslope - slope);
      } else {
        next += epsilon * slope;  // no previous step: gradient descent
      }
      prev_step[i] = next;
      w[i] = clip_weight(wi + next);
      prev_slope[i] = slope;
    }
  });
}

template <typename T>
void sarprop_update(T* w, const T* g, T* prev_g, T* step, std::size_t n, long epoch, double mse,
                    uint64_t noise_key, const SarpropParams& p) {
  const T inc = static_cast<T>(p.increase_factor), dec = static_cast<T>(p.decrease_factor);
  const T dmax = static_cast<T>(p.delta_max);
  const T dmin = T(0.000001);  // FANN: SARPROP needs a positive minimum step (iRPROP−'s delta_min is 0)
  const double T_ep = -p.temperature * static_cast<double>(epoch);
  // FANN's fann_update_weights_sarprop: slope = −train_slope − w·2^(−T·epoch + shift) in FANN's sign, i.e. a
  // gradient of g − c·w (the paper's annealed weight-decay term, with FANN's sign kept as FANN has it)
  const T c = static_cast<T>(std::exp2(T_ep + p.weight_decay_shift));
  const T threshold = static_cast<T>(p.step_error_threshold_factor * mse);
  const double noise = std::sqrt(std::max(mse, 0.0)) * std::exp2(T_ep + p.step_error_shift);
  parallel_for(static_cast<long>(n), static_cast<long>(n) >= kParallelMin, [&](long i0, long i1) {
    for (long i = i0; i < i1; ++i) {
      const T prev_step = std::max(step[i], dmin);
      T gi = g[i] - w[i] * c;
      if (g[i] == T(0)) gi = T(0);  // nothing to learn here (arena padding): stay put
      const T same = prev_g[i] * gi;
      T next;
      if (same > T(0)) {
        next = std::min(prev_step * inc, dmax);
        w[i] = clip_weight(w[i] - (gi > T(0) ? next : -next));
      } else if (same < T(0)) {
        if (prev_step < threshold)  // small steps while the error is still large: anneal with noise
          next = prev_step * dec + static_cast<T>(hash_uniform(noise_key, static_cast<uint64_t>(i)) * noise);
        else
          next = std::max(prev_step * dec, dmin);
        gi = T(0);
      } else {
        // FANN moves by the previous step here but stores a stale step from another weight (a bug); the step
        // is kept as it was
        next = prev_step;
        if (gi > T(0))
          w[i] = clip_weight(w[i] - prev_step);
        else if (gi < T(0))
          w[i] = clip_weight(w[i] + prev_step);
      }
      step[i] = next;
      prev_g[i] = gi;
    }
  });
}

template <typename T>
void axpy(T* acc, const T* x, T scale, std::size_t n) {
  parallel_for(static_cast<long>(n), static_cast<long>(n) >= kParallelMin, [&](long i0, long i1) {
    for (long i = i0; i < i1; ++i) acc[i] += scale * x[i];
  });
}

#define FASTNET_UPDATE_RULES(T)                                                                                \
  template void adam_update<T>(T*, const T*, T*, T*, std::size_t, long, const AdamParams&, double, bool);    \
  template void irprop_minus_update<T>(T*, const T*, T*, T*, std::size_t, const RpropParams&);              \
  template void quickprop_update<T>(T*, const T*, T*, T*, std::size_t, long, const QuickpropParams&);       \
  template void sarprop_update<T>(T*, const T*, T*, T*, std::size_t, long, double, uint64_t,                \
                                  const SarpropParams&);                                                     \
  template void axpy<T>(T*, const T*, T, std::size_t);
FASTNET_UPDATE_RULES(float)
FASTNET_UPDATE_RULES(double)
#undef FASTNET_UPDATE_RULES

}  // namespace fastnet::kernels
