// fastnet/kernels/update_rules.h — the element-wise update rules of the optimizers other than SGD (which lives
// in kernels.h, fused into the weight-gradient GEMM): Adam, and FANN's full-batch algorithms iRPROP−,
// Quickprop and SARPROP, written to follow FANN 2.2's fann_train.c step for step (parameter names and defaults
// are FANN's; where fastnet departs from FANN the comment at the rule says so and why).
//
// Every rule is one pass over a flat span: w (value), g (gradient), s1 and s2 (the rule's two state arrays, the
// same length, laid out like w), n elements. Elements are independent, so a span is split across threads with
// no effect on the result. The rules keep a zero-gradient element where it is (the arena's alignment padding
// therefore stays zero).
//
// The gradient convention is fastnet's: g = dE/dw (FANN's "train slopes" are −g). For the full-batch rules g is
// the gradient of the error SUMMED over the training set, as FANN accumulates it.
#pragma once
#include <cstddef>
#include <cstdint>

namespace fastnet::kernels {

struct AdamParams {
  double lr = 0.001, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
};
struct RpropParams {  // FANN: rprop_increase_factor, rprop_decrease_factor, rprop_delta_min/max/zero
  double increase_factor = 1.2, decrease_factor = 0.5, delta_min = 0.0, delta_max = 50.0, delta_zero = 0.1;
  // FANN 2.2's fann_update_weights_irpropm adds the step to a weight whose (zeroed) slope is 0, as in the epoch
  // after a sign change; true reproduces that, false is Igel & Hüsken's iRPROP− (the weight rests)
  bool fann_zero_slope = false;
};
struct QuickpropParams {  // FANN: learning_rate, quickprop_decay, quickprop_mu
  double lr = 0.7, decay = -0.0001, mu = 1.75;
};
struct SarpropParams {  // FANN: rprop increase/decrease/delta_max and the four sarprop_* parameters
  double increase_factor = 1.2, decrease_factor = 0.5, delta_max = 50.0;
  double weight_decay_shift = -6.644, step_error_threshold_factor = 0.1, step_error_shift = 1.385,
         temperature = 0.015;
};

// Weight magnitude limit of FANN's full-batch rules (fann_train.c clips to ±1500)
constexpr double kFannWeightLimit = 1500.0;

// Adam (Kingma & Ba) as PyTorch computes it (torch.optim.Adam, and with `decoupled` torch.optim.AdamW):
// s1 = m, s2 = v, t = 1-based step count. weight_decay is passed per span so biases can be exempt: L2 added to
// g (Adam), or with `decoupled` (AdamW, Loshchilov & Hutter) w ← w·(1 − lr·weight_decay) before the Adam step.
// g is the mean-loss gradient of a mini-batch.
template <typename T>
void adam_update(T* w, const T* g, T* m, T* v, std::size_t n, long t, const AdamParams& p, double weight_decay,
                 bool decoupled = false);

// iRPROP− (Igel & Hüsken; FANN_TRAIN_RPROP): s1 = previous gradient, s2 = step size (start at delta_zero).
template <typename T>
void irprop_minus_update(T* w, const T* g, T* prev_g, T* step, std::size_t n, const RpropParams& p);

// Quickprop (Fahlman; FANN_TRAIN_QUICKPROP): s1 = previous slope (FANN's sign), s2 = previous step.
// num_data: the samples g was summed over (FANN's epsilon = lr / num_data).
template <typename T>
void quickprop_update(T* w, const T* g, T* prev_slope, T* prev_step, std::size_t n, long num_data,
                      const QuickpropParams& p);

// SARPROP (Treadgold & Gedeon; FANN_TRAIN_SARPROP): s1 = previous gradient, s2 = step size. epoch counts from
// 0; mse is FANN's MSE of the epoch whose gradient g is; noise_key seeds the step noise (a counter-based hash
// of (noise_key, element), so the noise does not depend on how the span is split across threads).
template <typename T>
void sarprop_update(T* w, const T* g, T* prev_g, T* step, std::size_t n, long epoch, double mse,
                    uint64_t noise_key, const SarpropParams& p);

// acc += scale·x (full-batch gradient accumulation)
template <typename T>
void axpy(T* acc, const T* x, T scale, std::size_t n);

}  // namespace fastnet::kernels
