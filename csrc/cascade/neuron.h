// fastnet/cascade/neuron.h — one FANN neuron's activation, as FANN 2.2's fann_run computes it, and its
// derivative as cascade training uses it. Scalar inline functions: the callers loop over samples with the
// switch on the kind hoisted out (apply_block below), so each loop body is one function.
//
// A FANN neuron with steepness s and weighted input sum Σ computes y = f(u) with u = clamp(s·Σ, ±150/s)
// (fann_run's clipping of the "sum"), where f is FANN's function of u (fann_activation.h). In fastnet's Act codes:
// Linear u; Sigmoid is FANN_SIGMOID 1/(1+e^(−2u)); Tanh is FANN_SIGMOID_SYMMETRIC tanh(u) (FANN writes
// 2/(1+e^(−2u)) − 1, the same function); the FANN kinds (Threshold …) are fastnet's activations of those names.
//
// The cascade networks keep weights and steepness apart, as FANN does (a .net file exported from one is
// FANN's own network), rather than folding s into the weights as fastnet's layers do: RPROP's step sizes act on
// the stored weights, so the split changes how training moves and is part of following FANN.
#pragma once
#include <cmath>

#include "kernels/kernels.h"

namespace fastnet::cascade {

using kernels::Act;

// FANN's function of its sum u (steepness already applied)
inline float fann_activate(Act a, float u) {
  switch (a) {
    case Act::Linear: return u;
    case Act::Sigmoid: return 1.0f / (1.0f + std::exp(-2.0f * u));
    case Act::Tanh: return std::tanh(u);
    case Act::Threshold: return u < 0.0f ? 0.0f : 1.0f;
    case Act::ThresholdSymmetric: return u < 0.0f ? -1.0f : 1.0f;
    case Act::Gaussian: return std::exp(-u * u);
    case Act::GaussianSymmetric: return std::exp(-u * u) * 2.0f - 1.0f;
    case Act::Elliot: return (u / 2.0f) / (1.0f + std::fabs(u)) + 0.5f;
    case Act::ElliotSymmetric: return u / (1.0f + std::fabs(u));
    case Act::LinearPiece: return u < 0.0f ? 0.0f : (u > 1.0f ? 1.0f : u);
    case Act::LinearPieceSymmetric: return u < -1.0f ? -1.0f : (u > 1.0f ? 1.0f : u);
    case Act::Sin: return std::sin(u) / 2.0f + 0.5f;
    case Act::SinSymmetric: return std::sin(u);
    case Act::Cos: return std::cos(u) / 2.0f + 0.5f;
    case Act::CosSymmetric: return std::cos(u);
    case Act::SigmoidStepwise: return static_cast<float>(kernels::fann_stepwise(false, u));
    case Act::SigmoidSymmetricStepwise: return static_cast<float>(kernels::fann_stepwise(true, u));
    default: return u;  // relu, leaky relu and softmax are not FANN neurons (rejected when a net is built)
  }
}

// dy/du for training, from y and u. Like FANN's fann_activation_derived, the sigmoid kinds use y clipped to
// [0.01, 0.99] (symmetric: [−0.98, 0.98]) so a saturated neuron keeps a small slope (Fahlman's flat-spot fix,
// part of how FANN's cascade trains). Departures from FANN, which are exact derivatives here: FANN multiplies
// the Gaussian's by s once more and evaluates the sin/cos kinds' at s·u (both only wrong for s ≠ 1), takes the
// Elliot kinds' from the unscaled sum, and returns 1 for the linear_piece kinds where they are flat.
inline float fann_derivative(Act a, float y, float u) {
  switch (a) {
    case Act::Linear: return 1.0f;
    case Act::Sigmoid:
    case Act::SigmoidStepwise: {  // (FANN trains its stepwise sigmoids with the sigmoids' derivative)
      const float v = y < 0.01f ? 0.01f : (y > 0.99f ? 0.99f : y);
      return 2.0f * v * (1.0f - v);
    }
    case Act::Tanh:
    case Act::SigmoidSymmetricStepwise: {
      const float v = y < -0.98f ? -0.98f : (y > 0.98f ? 0.98f : y);
      return 1.0f - v * v;
    }
    case Act::Gaussian: return -2.0f * u * y;
    case Act::GaussianSymmetric: return -2.0f * u * (y + 1.0f);
    case Act::Elliot: {
      const float r = 1.0f + std::fabs(u);
      return 1.0f / (2.0f * r * r);
    }
    case Act::ElliotSymmetric: {
      const float r = 1.0f + std::fabs(u);
      return 1.0f / (r * r);
    }
    case Act::LinearPiece: return u > 0.0f && u < 1.0f ? 1.0f : 0.0f;
    case Act::LinearPieceSymmetric: return u > -1.0f && u < 1.0f ? 1.0f : 0.0f;
    case Act::Sin: return std::cos(u) / 2.0f;
    case Act::SinSymmetric: return std::cos(u);
    case Act::Cos: return -std::sin(u) / 2.0f;
    case Act::CosSymmetric: return -std::sin(u);
    default: return 0.0f;  // threshold kinds: not trainable (checked before training)
  }
}

// FANN's (u, y) from a weighted sum: u = clamp(s·Σ, ±150/s)
inline float fann_sum(float sum, float s) {
  const float u = s * sum, lim = 150.0f / s;
  return u > lim ? lim : (u < -lim ? -lim : u);
}

// y[n] = f(fann_sum(sum[n], s)) for n < N, and u[n] the clipped sum when u is not null; the switch outside the loop
inline void apply_block(Act a, float s, const float* sum, float* y, float* u, long N) {
  auto run = [&](auto f) {
    for (long n = 0; n < N; ++n) {
      const float un = fann_sum(sum[n], s);
      if (u) u[n] = un;
      y[n] = f(un);
    }
  };
  switch (a) {
    case Act::Linear: return run([](float v) { return fann_activate(Act::Linear, v); });
    case Act::Sigmoid: return run([](float v) { return fann_activate(Act::Sigmoid, v); });
    case Act::Tanh: return run([](float v) { return fann_activate(Act::Tanh, v); });
    case Act::Gaussian: return run([](float v) { return fann_activate(Act::Gaussian, v); });
    case Act::GaussianSymmetric: return run([](float v) { return fann_activate(Act::GaussianSymmetric, v); });
    case Act::Elliot: return run([](float v) { return fann_activate(Act::Elliot, v); });
    case Act::ElliotSymmetric: return run([](float v) { return fann_activate(Act::ElliotSymmetric, v); });
    case Act::Sin: return run([](float v) { return fann_activate(Act::Sin, v); });
    case Act::SinSymmetric: return run([](float v) { return fann_activate(Act::SinSymmetric, v); });
    case Act::Cos: return run([](float v) { return fann_activate(Act::Cos, v); });
    case Act::CosSymmetric: return run([](float v) { return fann_activate(Act::CosSymmetric, v); });
    default: return run([a](float v) { return fann_activate(a, v); });
  }
}

// y[n] = f(u) and d[n] = s·f'(u) (the training derivative above, per unit of the weighted sum) for
// u = fann_sum(sum[n], s): what a candidate needs per sample. The sin and cos kinds take both from one sincos.
inline void apply_block_with_derivative(Act a, float s, const float* sum, float* y, float* d, long N) {
  if (a == Act::Sin || a == Act::SinSymmetric || a == Act::Cos || a == Act::CosSymmetric) {
    const bool is_sin = a == Act::Sin || a == Act::SinSymmetric;
    const float k = a == Act::Sin || a == Act::Cos ? 0.5f : 1.0f, base = k == 0.5f ? 0.5f : 0.0f;
    for (long n = 0; n < N; ++n) {
      float sn, cs;
      ::sincosf(fann_sum(sum[n], s), &sn, &cs);
      y[n] = (is_sin ? sn : cs) * k + base;
      d[n] = s * k * (is_sin ? cs : -sn);
    }
    return;
  }
  apply_block(a, s, sum, y, d, N);  // d holds u for now
  for (long n = 0; n < N; ++n) d[n] = s * fann_derivative(a, y[n], d[n]);
}

// FANN's symmetric kinds: their output error (t − y) is halved before it counts (fann_update_MSE)
constexpr bool fann_halves_error(Act a) {
  return a == Act::Tanh || a == Act::ThresholdSymmetric || a == Act::GaussianSymmetric ||
         a == Act::ElliotSymmetric || a == Act::LinearPieceSymmetric || a == Act::SinSymmetric ||
         a == Act::CosSymmetric || a == Act::SigmoidSymmetricStepwise;
}

// the activations a FANN neuron can have (fastnet's relu, leaky relu and softmax are not among them; SigmoidStepwise
// and SigmoidSymmetricStepwise are FANN's stepwise functions of u here; FANN_GAUSSIAN_STEPWISE is not offered)
constexpr bool is_fann_kind(Act a) {
  return a != Act::Relu && a != Act::LeakyRelu && a != Act::Softmax && a != Act::FannSigmoid &&
         a != Act::FannSigmoidSymmetric && static_cast<int>(a) >= 0 &&
         static_cast<int>(a) < static_cast<int>(Act::GaussianStepwise);
}

}  // namespace fastnet::cascade
