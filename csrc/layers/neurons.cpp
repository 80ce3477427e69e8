// fastnet/layers/neurons.cpp — FANN's per-neuron activation functions and steepness (and its clamp of the sum),
// for the layers that have them (LayerConfig::steepness, activations, fann_clip). Where the clamp holds, the
// gradient is FANN's: the function's derivative at the clamped sum, times s (fann_train does not see the clamp;
// the true derivative there would be 0), so that training a loaded FANN network follows FANN's. FANN-sized layers: each neuron's
// column is gathered into a buffer, run through the uniform kernels (activation.cpp, loss.cpp), and scattered
// back, so the formulas are the kernels' own. Layers without these settings never come here.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/errors.h"
#include "layers/layer.h"

namespace fastnet {

bool custom_neurons(const LayerConfig& c) { return !c.steepness.empty() || !c.activations.empty() || c.fann_clip; }

Act neuron_act(const LayerConfig& c, int o) {
  return c.activations.empty() ? c.activation : c.activations[static_cast<std::size_t>(o)];
}

void normalize_neurons(LayerConfig& c, const char* where) {
  const std::size_t O = static_cast<std::size_t>(c.out_features);
  if (!c.steepness.empty()) {
    FASTNET_CHECK(c.steepness.size() == O, where, ": steepness has ", c.steepness.size(), " values for ", O,
                  " neurons");
    for (std::size_t o = 0; o < O; ++o)
      FASTNET_CHECK(std::isfinite(c.steepness[o]) && c.steepness[o] >= 0.0, where, ": the steepness of neuron ", o,
                    " must be finite and >= 0, got ", c.steepness[o]);
    if (std::all_of(c.steepness.begin(), c.steepness.end(), [](double s) { return s == 1.0; })) c.steepness.clear();
  }
  if (!c.activations.empty()) {
    FASTNET_CHECK(c.activations.size() == O, where, ": activations has ", c.activations.size(), " entries for ", O,
                  " neurons");
    for (std::size_t o = 0; o < O; ++o) {
      const int a = static_cast<int>(c.activations[o]);
      FASTNET_CHECK(a >= 0 && a < kernels::kNumActs, where, ": neuron ", o, ": unknown activation code ", a);
    }
    const Act first = c.activations[0];
    if (std::all_of(c.activations.begin(), c.activations.end(), [first](Act a) { return a == first; })) {
      c.activations.clear();
    } else {
      for (std::size_t o = 0; o < O; ++o)
        FASTNET_CHECK(c.activations[o] != Act::Softmax, where, ": softmax couples a whole layer; it cannot be one "
                      "neuron's activation in a layer that mixes activations (neuron ", o, ")");
    }
    c.activation = first;
  }
  if (c.activation == Act::Softmax)
    FASTNET_CHECK(!c.fann_clip, where, ": FANN's clamp of the sum (fann_clip) is for FANN's functions, not softmax");
}

namespace {
template <typename T>
T steep(const LayerConfig& c, int o) {
  return c.steepness.empty() ? T(1) : static_cast<T>(c.steepness[static_cast<std::size_t>(o)]);
}

// FANN's limit for s·z (fann_run: max_sum = 150/steepness in fann_type, FANN's steepness being s/k); inf: none
template <typename T>
T clamp_limit(const LayerConfig& c, int o) {
  if (!c.fann_clip) return std::numeric_limits<T>::infinity();
  const Act a = neuron_act(c, o);
  const T k = kernels::fann_double_steepness(a) ? T(2) : T(1);
  const T fann_s = steep<T>(c, o) / k;
  return k * (T(150) / fann_s);  // (150/0 = inf: no clamp at steepness 0, as in FANN)
}

// column o of a (B,O) row-major block (stride O) or of an (O,B) one (contiguous)
template <typename T>
struct Column {
  long start, stride;
  Column(int o, int B, int O, bool transposed)
      : start(transposed ? static_cast<long>(o) * B : o), stride(transposed ? 1 : O) {}
  T& at(T* p, int b) const { return p[start + static_cast<long>(b) * stride]; }
  const T& at(const T* p, int b) const { return p[start + static_cast<long>(b) * stride]; }
};

// u = clamp(s·z) for the B samples of neuron o
template <typename T>
void scaled_sum(const LayerConfig& c, int o, const T* z, int B, bool transposed, T* u) {
  const Column<T> col(o, B, c.out_features, transposed);
  const T s = steep<T>(c, o), lim = clamp_limit<T>(c, o);
  for (int b = 0; b < B; ++b) u[b] = std::min(std::max(s * col.at(z, b), -lim), lim);
}
}  // namespace

template <typename T>
void neurons_forward(const LayerConfig& c, T* y, const T* z, int B, bool transposed) {
  const int O = c.out_features;
  const T alpha = static_cast<T>(c.alpha);
  if (c.activation == Act::Softmax) {  // (never mixed): softmax of s·z over each sample's outputs
    for (int o = 0; o < O; ++o) {
      const Column<T> col(o, B, O, transposed);
      const T s = steep<T>(c, o);
      for (int b = 0; b < B; ++b) col.at(y, b) = s * col.at(z, b);
    }
    if (transposed)
      kernels::softmax_columns(y, O, B);
    else
      kernels::activation_forward(Act::Softmax, y, B, O, alpha);
    return;
  }
  std::vector<T> u(static_cast<std::size_t>(B));
  for (int o = 0; o < O; ++o) {
    scaled_sum(c, o, z, B, transposed, u.data());
    kernels::activation_forward(neuron_act(c, o), u.data(), B, 1, alpha);
    const Column<T> col(o, B, O, transposed);
    for (int b = 0; b < B; ++b) col.at(y, b) = u[static_cast<std::size_t>(b)];
  }
}

template <typename T>
void neurons_backward(const LayerConfig& c, T* d, const T* y, const T* z, int B, bool transposed) {
  const int O = c.out_features;
  const std::size_t n = static_cast<std::size_t>(B);
  std::vector<T> u(n), dv(n), yv(n);
  for (int o = 0; o < O; ++o) {
    const Column<T> col(o, B, O, transposed);
    scaled_sum(c, o, z, B, transposed, u.data());
    for (int b = 0; b < B; ++b) {
      dv[static_cast<std::size_t>(b)] = col.at(d, b);
      yv[static_cast<std::size_t>(b)] = col.at(y, b);
    }
    kernels::activation_backward(neuron_act(c, o), dv.data(), yv.data(), u.data(), n, static_cast<T>(c.alpha));
    const T s = steep<T>(c, o);
    for (int b = 0; b < B; ++b) col.at(d, b) = dv[static_cast<std::size_t>(b)] * s;
  }
}

template <typename T>
double neurons_loss(const LayerConfig& c, kernels::Loss loss, const kernels::LossOptions& opts, const T* y,
                    const T* z, const T* t, T* dz, int B) {
  const int O = c.out_features;
  const std::size_t n = static_cast<std::size_t>(B);
  const T alpha = static_cast<T>(c.alpha);
  if (c.activations.empty()) {  // one kind: the whole block at once (softmax couples it), at u = clamp(s·z)
    std::vector<T> u;
    if (dz && kernels::needs_preactivation(c.activation)) {
      u.resize(n * static_cast<std::size_t>(O));
      std::vector<T> col(n);
      for (int o = 0; o < O; ++o) {
        scaled_sum(c, o, z, B, false, col.data());
        for (int b = 0; b < B; ++b) u[static_cast<std::size_t>(b) * O + o] = col[static_cast<std::size_t>(b)];
      }
    }
    const double value =
        kernels::loss_forward_backward(loss, c.activation, alpha, y, u.empty() ? nullptr : u.data(), t, dz, B, O, opts);
    if (dz)
      for (int o = 0; o < O; ++o) {
        const T s = steep<T>(c, o);
        for (int b = 0; b < B; ++b) dz[static_cast<std::size_t>(b) * O + o] *= s;
      }
    return value;
  }
  // mixed: each neuron's own loss kind (FANN halves the error of its symmetric ones), summed over the neurons;
  // reduction Mean divides by the O outputs, which a one-output call does not know
  const double share = opts.reduction == kernels::Reduction::Mean ? 1.0 / O : 1.0;
  std::vector<T> u(n), yv(n), tv(n), dv(n);
  double total = 0.0;
  for (int o = 0; o < O; ++o) {
    const Column<T> col(o, B, O, false);
    for (int b = 0; b < B; ++b) {
      yv[static_cast<std::size_t>(b)] = col.at(y, b);
      tv[static_cast<std::size_t>(b)] = col.at(t, b);
    }
    if (dz) scaled_sum(c, o, z, B, false, u.data());
    total += share * kernels::loss_forward_backward(loss, neuron_act(c, o), alpha, yv.data(), dz ? u.data() : nullptr,
                                                    tv.data(), dz ? dv.data() : nullptr, B, 1, opts);
    if (dz) {
      const T s = steep<T>(c, o) * static_cast<T>(share);
      for (int b = 0; b < B; ++b) col.at(dz, b) = dv[static_cast<std::size_t>(b)] * s;
    }
  }
  return total;
}

template void neurons_forward<float>(const LayerConfig&, float*, const float*, int, bool);
template void neurons_forward<double>(const LayerConfig&, double*, const double*, int, bool);
template void neurons_backward<float>(const LayerConfig&, float*, const float*, const float*, int, bool);
template void neurons_backward<double>(const LayerConfig&, double*, const double*, const double*, int, bool);
template double neurons_loss<float>(const LayerConfig&, kernels::Loss, const kernels::LossOptions&, const float*,
                                    const float*, const float*, float*, int);
template double neurons_loss<double>(const LayerConfig&, kernels::Loss, const kernels::LossOptions&, const double*,
                                     const double*, const double*, double*, int);

}  // namespace fastnet
